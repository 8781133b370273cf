"""Placing forge's actors: one per node, pinned there, holding no CPU reservation.

A long-lived actor that declares ``num_cpus=1`` keeps that CPU reserved for its whole life
(measured: two such actors on a 2-core machine starved every later task), so forge's
actors declare no CPUs: they are pinned to their node by a hard node-affinity rule instead,
and use that node's cores only while they work. An engine replica on a node with GPUs
reserves one GPU (Ray then sets ``CUDA_VISIBLE_DEVICES`` for it). Ray restarts an actor
whose process died on a live node (``max_restarts``) and retries the calls it had
(``max_task_retries``); when the whole node is gone the actor cannot come back there, and
:mod:`forge.ray.dispatch` sends its work to the other nodes.
"""

from __future__ import annotations

from typing import Any

from forge.ray.connect import Node

RESTARTS = 2
"""How often Ray restarts one of forge's actors whose process died on a live node."""


def place(
    cls: type,
    node: Node,
    *args: Any,
    concurrency: int = 1,
    gpus: int = 0,
    threads: int | None = None,
) -> Any:
    """Start actor ``cls(*args)`` on ``node``; return its handle (it starts in the background).

    ``threads`` sets the actor's ``OMP_NUM_THREADS`` (math libraries' thread count): Ray
    sets 1 for an actor that declares no CPUs, which would leave a model replica one core.
    """
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    from forge.ray.connect import forwarded_env

    options: dict[str, Any] = {}
    if threads is not None:
        env = {**forwarded_env(), "OMP_NUM_THREADS": str(threads)}
        options["runtime_env"] = {"env_vars": env}
    remote: Any = ray.remote(cls).options(
        **options,
        num_cpus=0,
        num_gpus=gpus,
        max_restarts=RESTARTS,
        max_task_retries=RESTARTS,
        max_concurrency=concurrency,
        scheduling_strategy=NodeAffinitySchedulingStrategy(node.id, soft=False),
    )
    return remote.remote(*args)
