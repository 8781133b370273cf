"""A test plugin for the Ray tests, importable on every node of the test cluster.

tests/ray/conftest.py puts this folder on the nodes' PYTHONPATH and writes a dist-info
declaring the entry point ``raytest``, so each node finds the domain through forge's plugin
manager exactly as it would find an installed plugin.
"""
