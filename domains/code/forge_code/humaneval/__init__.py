"""HumanEval as code tasks: each assert of a problem's ``check`` becomes its own test case.

``loader`` selects and converts problems (cached on disk), ``analyze`` reads ``check`` with
``ast`` on the trusted side, ``replay`` runs test code inside the sandbox (recording the
canonical solution, re-checking asserts with a candidate's outputs), ``judge`` sends those
re-checks from the trusted side.
"""
