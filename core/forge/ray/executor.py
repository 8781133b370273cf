"""RayExecutor: verification on one sandbox actor per Ray node, generation on model replicas.

``create`` joins the cluster ``executor.address`` names (or starts Ray on this machine),
starts a :class:`forge.ray.actors.SandboxWorker` on every alive node with one lane per CPU
that node declares, and waits until each answers. ``submit`` cuts a generation's items into
batches, sends them to the nodes (a few in flight per node, so lanes never wait on the
network) and puts the verdicts back in item order. ``load_engine`` (the
:class:`forge.protocols.EngineHost` half) starts one model replica per node. Everything
else, the search, training and the run store, stays in this (the driver's) process.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from forge.errors import ExecutorError
from forge.ray import connect
from forge.ray.actors import SandboxWorker
from forge.ray.dispatch import Worker, broadcast, run_calls
from forge.ray.placement import place
from forge.types import Task, Verdict
from forge.verifiers import THREADS_PER_LANE

if TYPE_CHECKING:
    from forge.config import RunConfig
    from forge.domain import Domain
    from forge.protocols import Engine, ModelProgress, Verifier
    from forge.ray.engine import ReplicaPool

Batch = tuple[list[Task], list[tuple[int, str | None]]]
"""What one verification call carries: the batch's distinct tasks, and (task index, artifact)."""


class RayExecutor:
    """Verifies (and generates) on every node of a Ray cluster."""

    name: ClassVar[str] = "ray"

    def __init__(self, workers: list[Worker], config: RunConfig, owns_connection: bool) -> None:
        self.workers = workers
        self.batch_size = max(1, config.executor.batch_size)
        self.timeout_s = float(config.executor.timeout_s)
        self.lanes = sum(w.node.cpus for w in workers)
        self.isolation: tuple[str, ...] = ()
        self.hosts: dict[str, str] = {}
        self._owns = owns_connection
        self._pools: list[ReplicaPool] = []
        self._closed = False

    @classmethod
    def missing(cls) -> str | None:
        """Return None when Ray is installed, else how to install it."""
        return connect.missing()

    @classmethod
    def create(cls, config: RunConfig) -> RayExecutor:
        """Join (or start) the cluster and start a sandbox on every node; ExecutorError if not."""
        cfg = config.executor
        if cfg.timeout_s <= 0 or cfg.batch_size < 1:
            raise ExecutorError(
                "executor.timeout_s must be above 0 and executor.batch_size at least 1."
            )
        owns = connect.connect(cfg.address, cfg.timeout_s)
        try:
            nodes = connect.alive_nodes()
            if not nodes:
                raise ExecutorError(
                    "The Ray cluster has no alive node with a CPU.", "Check it with 'ray status'."
                )
            workers = [Worker(n, None, depth=_depth(n.cpus, cfg.batch_size)) for n in nodes]
            for w in workers:
                w.handle = place(SandboxWorker, w.node, w.node.cpus, concurrency=w.depth + 1)
            executor = cls(workers, config, owns)
            executor._check_sandboxes()
            return executor
        except BaseException:
            if owns:
                connect.disconnect()
            raise

    def _check_sandboxes(self) -> None:
        """Wait for every node's sandbox; record the isolation layers all of them have."""
        answers = broadcast(
            self.workers,
            lambda w: w.handle.info.remote(),
            timeout_s=self.timeout_s,
            what="starting forge's sandbox",
        )
        layers = [set(info["isolation"]) for _, info in answers]
        first = answers[0][1]["isolation"]
        self.isolation = tuple(x for x in first if all(x in s for s in layers))
        self.hosts = {w.node.id: info["host"] for w, info in answers}

    def submit(
        self,
        domain: Domain,
        items: Sequence[tuple[Task, str | None]],
        verifiers: Sequence[Verifier] = (),
    ) -> Future[list[Verdict]]:
        """Verify ``items`` on the nodes (from a background thread); verdicts in item order."""
        future: Future[list[Verdict]] = Future()
        future.set_running_or_notify_cancel()
        names = [v.name for v in verifiers]

        def work() -> None:
            try:
                future.set_result(self._verify(domain, list(items), names))
            except BaseException as exc:  # noqa: BLE001 - delivered to the waiting caller
                future.set_exception(exc)

        threading.Thread(target=work, name="forge-ray-verify", daemon=True).start()
        return future

    def _verify(
        self, domain: Domain, items: list[tuple[Task, str | None]], verifiers: list[str]
    ) -> list[Verdict]:
        if not items:
            return []
        live = [w for w in self.workers if w.alive]
        size = batch_size(len(items), sum(w.node.cpus for w in live), self.batch_size)
        batches = [make_batch(items[i : i + size]) for i in range(0, len(items), size)]
        results = run_calls(
            live,
            batches,
            lambda w, b: w.handle.verify.remote(domain.name, domain.version, b[0], b[1], verifiers),
            timeout_s=self.timeout_s,
            what="verification",
        )
        return [verdict for batch in results for verdict in batch]

    def load_engine(
        self,
        engine: type[Engine],
        model: str,
        *,
        adapter: Path | None = None,
        progress: ModelProgress | None = None,
    ) -> Engine:
        """Load ``model`` with ``engine`` once on every live node; return the engine over them."""
        from forge.ray.engine import ReplicaPool

        nodes = [w.node for w in self.workers if w.alive]
        ray_engine = ReplicaPool.start(nodes, engine.name, model, adapter, self.timeout_s)
        self._pools.append(ray_engine.pool)
        return ray_engine

    def describe(self) -> str:
        """Return e.g. ``ray: 2 nodes (host-a 1 lane, host-b 1 lane), 2 lanes (netns, ...)``."""
        nodes = ", ".join(
            f"{self.hosts.get(w.node.id, w.node.host)} {w.node.short} {w.node.cpus} "
            f"lane{'s' * (w.node.cpus != 1)}"
            for w in self.workers
        )
        layers = ", ".join(self.isolation) or "no isolation"
        count = len(self.workers)
        return f"ray: {count} node{'s' * (count != 1)} ({nodes}), {self.lanes} lanes ({layers})"

    def close(self) -> None:
        """Stop the replicas and sandboxes; leave the cluster (stop Ray if it started here)."""
        if self._closed:
            return
        self._closed = True
        try:
            for pool in self._pools:
                pool.close()
            _stop_sandboxes(self.workers, min(self.timeout_s, 30.0))
        finally:
            if self._owns:
                connect.disconnect()


def _depth(cpus: int, batch: int) -> int:
    """Calls in flight per node: enough batches to keep every verification thread busy."""
    return max(2, math.ceil(2 * cpus * THREADS_PER_LANE / batch))


def batch_size(items: int, lanes: int, largest: int) -> int:
    """Items per call: at most ``largest``, small enough to give every lane two batches."""
    return max(1, min(largest, math.ceil(items / max(1, 2 * lanes))))


def make_batch(items: Sequence[tuple[Task, str | None]]) -> Batch:
    """Return the batch's distinct tasks (each sent once) and ``(task index, artifact)`` pairs."""
    tasks: list[Task] = []
    where: dict[str, int] = {}
    pairs = []
    for task, artifact in items:
        index = where.get(task.id)
        if index is None or tasks[index] is not task:
            index = where[task.id] = len(tasks)
            tasks.append(task)
        pairs.append((index, artifact))
    return tasks, pairs


def _stop_sandboxes(workers: Sequence[Worker], timeout_s: float) -> None:
    """Ask every sandbox to stop its lanes (bounded), then end the actors."""
    import ray

    refs: list[Any] = []
    for worker in workers:
        if worker.alive:
            try:
                refs.append(worker.handle.close.remote())
            except Exception:  # noqa: BLE001 - the actor is gone
                pass
    if refs:
        ray.wait(refs, num_returns=len(refs), timeout=timeout_s)
    for worker in workers:
        try:
            ray.kill(worker.handle, no_restart=True)
        except Exception:  # noqa: BLE001 - already gone
            pass
        worker.alive = False
