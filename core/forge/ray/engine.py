"""RayEngine: an Engine whose population is split across one model replica per node.

The session gets it from :meth:`forge.ray.executor.RayExecutor.load_engine`. Each replica
(:class:`forge.ray.actors.EngineReplica`) loads the model once; ``generate`` cuts the
prompts into one contiguous share per live replica (balanced by sequence count), and puts
the texts back in prompt order. Sample ``j`` of a prompt draws from a random stream keyed
by the seed, the prompt and ``j`` (the Engine contract), so the texts do not depend on the
split. ``with_adapter`` ships the adapter folder to every replica (see
:mod:`forge.ray.adapters`); the base model is not loaded again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from forge.domain import Domain
from forge.errors import ForgeError
from forge.params import SamplingParams
from forge.protocols import GenerateProgress
from forge.ray import adapters
from forge.ray.actors import EngineReplica, StopSpec
from forge.ray.connect import Node
from forge.ray.dispatch import Worker, broadcast, run_calls
from forge.ray.placement import place
from forge.types import Message


class ReplicaPool:
    """The model replicas of one run, one per node; makes a RayEngine per adapter."""

    def __init__(self, workers: list[Worker], engine: str, timeout_s: float) -> None:
        self.workers, self.engine_name, self.timeout_s = workers, engine, timeout_s
        self._engines: dict[str | None, RayEngine] = {}

    @classmethod
    def start(
        cls,
        nodes: Sequence[Node],
        engine: str,
        model: str,
        adapter: Path | None,
        timeout_s: float,
    ) -> RayEngine:
        """Load ``model`` with ``engine`` on every node; return the engine for ``adapter``."""
        pack = adapters.pack(adapter) if adapter else None
        workers = [
            Worker(
                node,
                place(
                    EngineReplica,
                    node,
                    engine,
                    model,
                    pack,
                    gpus=min(node.gpus, 1),
                    threads=node.cpus,
                ),
            )
            for node in nodes
        ]
        pool = cls(workers, engine, timeout_s)
        try:
            return pool.engine(pack)
        except BaseException:
            pool.close()
            raise

    def engine(self, pack: adapters.AdapterPack | None) -> RayEngine:
        """Return the engine generating with ``pack`` (loaded on every replica now)."""
        key = pack.key if pack else None
        if key not in self._engines:
            import ray

            ref = ray.put(pack) if pack is not None else None
            answers = broadcast(
                self.workers,
                lambda w: w.handle.info.remote(ref),
                timeout_s=self.timeout_s,
                what=f"loading the model{' adapter' if pack else ''}",
            )
            self._engines[key] = RayEngine(self, pack, ref, answers[0][1])
        return self._engines[key]

    def live(self) -> list[Worker]:
        """The replicas still answering."""
        return [w for w in self.workers if w.alive]

    def close(self) -> None:
        """Let every replica delete its adapter copies (bounded), then stop it."""
        import ray

        refs = [w.handle.close.remote() for w in self.workers if w.alive]
        if refs:
            ray.wait(refs, num_returns=len(refs), timeout=min(self.timeout_s, 30.0))
        for worker in self.workers:
            try:
                ray.kill(worker.handle, no_restart=True)
            except Exception:  # noqa: BLE001 - already gone
                pass
            worker.alive = False


class RayEngine:
    """Generates on a :class:`ReplicaPool` (``forge.protocols.Engine``)."""

    name: ClassVar[str] = "ray"

    def __init__(
        self,
        pool: ReplicaPool,
        pack: adapters.AdapterPack | None,
        ref: Any,
        info: dict[str, Any],
    ) -> None:
        self.pool, self.pack, self._ref = pool, pack, ref
        replicas = len(pool.live())
        self.identity = {
            **info["identity"],
            "adapter": pack.source if pack else None,
            "replicas": replicas,
        }
        self._line = f"{info['describe']} (on {replicas} Ray node{'s' * (replicas != 1)})"

    @classmethod
    def missing(cls) -> str | None:
        """The Ray engine exists only through a running Ray executor (None: nothing to add)."""
        return None

    @classmethod
    def auto_rank(cls) -> int:
        """Never picked by ``--engine auto``: the executor wraps the engine the run selects."""
        return -1

    @classmethod
    def load(cls, model: str, *, adapter: Path | None = None, progress: Any = None) -> RayEngine:
        """Not loadable by name: ``RayExecutor.load_engine`` builds it."""
        raise ForgeError("The Ray engine is made by the ray executor.", "Use --executor ray.")

    def generate(
        self,
        prompts: Sequence[Sequence[Message]],
        n: int | Sequence[int] = 1,
        params: SamplingParams | None = None,
        stop: Callable[[str], bool] | None = None,
        progress: GenerateProgress | None = None,
    ) -> list[list[str]]:
        """Return ``n`` completions per prompt, generated on the replicas, in prompt order."""
        counts = [n] * len(prompts) if isinstance(n, int) else list(n)
        if len(counts) != len(prompts):
            raise ValueError("n must be an int or have one count per prompt")
        live = self.pool.live()
        shares = split(counts, len(live))
        total, done = sum(counts), [0]

        def on_result(index: int, _texts: Any) -> None:
            start, end = shares[index]
            done[0] += sum(counts[start:end])
            if progress is not None:
                progress(done[0], total)

        params, rule = params or SamplingParams(), portable_stop(stop)
        results = run_calls(
            live,
            [(list(prompts[a:b]), counts[a:b]) for a, b in shares],
            lambda w, p: w.handle.generate.remote(self._ref, p[0], p[1], params, rule),
            timeout_s=self.pool.timeout_s,
            what="generation",
            on_result=on_result,
        )
        return [texts for share in results for texts in share]

    def with_adapter(self, adapter: Path | None) -> RayEngine:
        """Return the engine with ``adapter`` (shipped to every replica), or the base model."""
        return self.pool.engine(adapters.pack(adapter) if adapter else None)

    def describe(self) -> str:
        """Return the replicas' own line and how many nodes run it."""
        return self._line


def split(counts: Sequence[int], parts: int) -> list[tuple[int, int]]:
    """Cut prompts into at most ``parts`` contiguous non-empty ranges of similar sequence counts."""
    if not counts:
        return []
    parts = max(1, min(parts, len(counts)))
    total = sum(counts)
    bounds: list[tuple[int, int]] = []
    start = acc = 0
    for i, count in enumerate(counts):
        acc += count
        left = len(counts) - i - 1
        want = len(bounds) + 1
        if want < parts and left >= parts - want and acc * parts >= total * want:
            bounds.append((start, i + 1))
            start = i + 1
    bounds.append((start, len(counts)))
    return bounds


def portable_stop(stop: Callable[[str], bool] | None) -> StopSpec:
    """A stop rule that can cross: a domain's ``answer_complete`` goes by the domain's name."""
    owner = getattr(stop, "__self__", None)
    if isinstance(owner, Domain) and getattr(stop, "__name__", "") == "answer_complete":
        return ("domain", owner.name)
    return stop
