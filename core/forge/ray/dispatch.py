"""Calls on a pool of Ray actors: results by index, a lost node's calls sent again, bounded waits.

:func:`run_calls` is how the Ray executor sends verification batches to sandbox actors and
shares of a generation to model replicas. Each result lands at its payload's index, so the
caller sees the order of its payloads whatever order the nodes answer in. A call whose
actor is gone (its node died; Ray has already retried it on a restarted actor where it
could) is sent to another live actor; a payload is therefore computed at least once and
returned exactly once. Every wait is bounded by ``timeout_s`` per call.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from forge.errors import ExecutorError
from forge.ray.connect import Node

RESUME_HINT = "Check the cluster ('ray status'); the run continues with forge run --resume."


@dataclass(eq=False)
class Worker:
    """One actor of a pool, the node it runs on, how many calls it takes at once, and
    whether it still answers."""

    node: Node
    handle: Any
    depth: int = 1
    alive: bool = True


@dataclass(frozen=True)
class Failed:
    """What an actor returns instead of raising when forge itself refuses a call there
    (a domain or engine not installed on that node, a model that will not load)."""

    message: str


def lost_errors() -> tuple[type[BaseException], ...]:
    """Ray's errors that mean "the actor or its node is gone", not "the call itself failed"."""
    from ray import exceptions as rex

    return (
        rex.RayActorError,
        rex.ActorUnschedulableError,
        rex.WorkerCrashedError,
        rex.ObjectLostError,
        rex.NodeDiedError,
    )


def run_calls(
    workers: Sequence[Worker],
    payloads: Sequence[Any],
    call: Callable[[Worker, Any], Any],
    *,
    timeout_s: float,
    what: str,
    on_result: Callable[[int, Any], None] | None = None,
) -> list[Any]:
    """Return ``call(worker, payload)``'s result for every payload, in payload order.

    ``call`` returns a Ray ObjectRef; at most ``worker.depth`` calls run on a worker at once.
    ``on_result(index, value)`` is called as each result arrives. A worker whose call
    fails with a lost-actor error is marked dead and its payload goes to another one.
    Raises ExecutorError when no worker is left, a call outlasts ``timeout_s``, or a call
    raised (or returned :class:`Failed`) inside the actor.
    """
    import ray

    lost = lost_errors()
    results: list[Any] = [None] * len(payloads)
    todo = deque(range(len(payloads)))
    flying: dict[Any, tuple[int, Worker, float]] = {}
    left = len(payloads)
    try:
        while left:
            _fill(workers, todo, flying, payloads, call)
            if not flying:
                raise ExecutorError(
                    f"Every Ray node doing {what} was lost "
                    f"({len(payloads) - left} of {len(payloads)} calls done).",
                    RESUME_HINT,
                )
            ref = _next_ready(flying, timeout_s, what)
            index, worker, _ = flying.pop(ref)
            try:
                value = ray.get(ref, timeout=timeout_s)
            except lost:
                _drop(worker)
                todo.appendleft(index)
                continue
            except ray.exceptions.RayTaskError as exc:
                raise ExecutorError(
                    f"A Ray worker on node {worker.node.short} failed during {what}: {_cause(exc)}"
                ) from None
            if isinstance(value, Failed):
                raise ExecutorError(f"Ray node {worker.node.short}: {value.message}")
            results[index] = value
            left -= 1
            if on_result is not None:
                on_result(index, value)
    finally:
        for ref in flying:
            _cancel(ref)
    return results


def _fill(
    workers: Sequence[Worker],
    todo: deque[int],
    flying: dict[Any, tuple[int, Worker, float]],
    payloads: Sequence[Any],
    call: Callable[[Worker, Any], Any],
) -> None:
    """Send queued payloads to live workers, round-robin, up to ``worker.depth`` in flight each."""
    busy = {id(w): 0 for w in workers}
    for _, worker, _ in flying.values():
        busy[id(worker)] += 1
    progress = True
    while todo and progress:
        progress = False
        for worker in workers:
            if todo and worker.alive and busy[id(worker)] < worker.depth:
                index = todo.popleft()
                flying[call(worker, payloads[index])] = (index, worker, time.monotonic())
                busy[id(worker)] += 1
                progress = True


def _next_ready(flying: dict[Any, tuple[int, Worker, float]], timeout_s: float, what: str) -> Any:
    """Return the first finished call; raise ExecutorError once any call outlasts ``timeout_s``."""
    import ray

    while True:
        oldest = min(started for _, _, started in flying.values())
        wait = oldest + timeout_s - time.monotonic()
        if wait <= 0:
            node = next(w.node for _, w, s in flying.values() if s == oldest)
            raise ExecutorError(
                f"A Ray call on node {node.short} ({node.host}) doing {what} did not finish "
                f"within {timeout_s:g} s (executor.timeout_s).",
                RESUME_HINT,
            )
        ready, _ = ray.wait(list(flying), num_returns=1, timeout=min(wait, 5.0))
        if ready:
            return ready[0]


def broadcast(
    workers: Sequence[Worker], call: Callable[[Worker], Any], *, timeout_s: float, what: str
) -> list[tuple[Worker, Any]]:
    """Call every live worker once; return ``(worker, result)`` for those that answered.

    A worker that is gone is marked dead and left out; ExecutorError if none answers, if
    one returns :class:`Failed` or raises, or if the answers take longer than ``timeout_s``.
    """
    import ray

    lost = lost_errors()
    refs = {call(w): w for w in workers if w.alive}
    ready, waiting = ray.wait(list(refs), num_returns=len(refs), timeout=timeout_s)
    if waiting:
        slow = ", ".join(refs[r].node.short for r in waiting)
        for ref in waiting:
            _cancel(ref)
        raise ExecutorError(
            f"Ray node(s) {slow} did not finish {what} within {timeout_s:g} s "
            "(executor.timeout_s).",
            RESUME_HINT,
        )
    answers = []
    for ref in ready:
        worker = refs[ref]
        try:
            value = ray.get(ref, timeout=timeout_s)
        except lost:
            _drop(worker)
            continue
        except ray.exceptions.RayTaskError as exc:
            raise ExecutorError(
                f"A Ray worker on node {worker.node.short} failed during {what}: {_cause(exc)}"
            ) from None
        if isinstance(value, Failed):
            raise ExecutorError(f"Ray node {worker.node.short}: {value.message}")
        answers.append((worker, value))
    if not answers:
        raise ExecutorError(f"No Ray node could do {what}: every one was lost.", RESUME_HINT)
    return answers


def _drop(worker: Worker) -> None:
    """Mark ``worker`` dead and make sure Ray does not bring it back later."""
    import ray

    worker.alive = False
    try:
        ray.kill(worker.handle, no_restart=True)
    except Exception:  # noqa: BLE001 - it is already gone
        pass


def _cancel(ref: Any) -> None:
    import ray

    try:
        ray.cancel(ref)
    except Exception:  # noqa: BLE001 - best effort on the way out
        pass


def _cause(exc: BaseException) -> str:
    """One line for an exception raised inside an actor (its original type and message)."""
    cause = getattr(exc, "cause", None) or exc
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[-1] if text else ''}"[:500]
