"""forge on a Ray cluster: verification on sandbox actors, generation on model replicas.

:class:`forge.ray.executor.RayExecutor` is the ``ray`` executor (``executor.name: ray``,
``forge run --executor ray``), registered by :mod:`forge.ray.plugin` through the entry
point ``ray``. Every node runs one :class:`~forge.ray.actors.SandboxWorker` (a sandbox with
one lane per core of that node, fed batches of verification jobs) and, for a run's
generation, one :class:`~forge.ray.actors.EngineReplica` (the model loaded once).
Training, the run store and the search stay in the driver process. See docs/scaling.md.

Importing this package imports no Ray: ``RayExecutor.missing()`` says how to install it.
"""
