"""One run, from its folder to its summary: the object ``forge run`` and ``forge eval`` drive.

A :class:`Session` owns everything a run holds open: the run folder and its lock, the
store, the domain and its tasks, the engine (with the adapter each phase needs), the
trainer, the executor and the plugins' event hooks. :meth:`Session.open` starts a fresh run
or reopens one to resume it; :meth:`Session.run` runs the phase plan, skipping finished
phases, and writes ``summary.json`` and the report. Nothing here needs click: the CLI only
builds a config and prints.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from forge import phases as phase_table
from forge.config import RunConfig
from forge.domain import Domain
from forge.errors import ForgeError, StoreError
from forge.params import TrainResult
from forge.phases import Phase
from forge.protocols import Engine, EngineHost, Executor, ModelProgress, Trainer, Verifier
from forge.runs import Run, RunLock, new_run_dir, open_store, write_config, write_json
from forge.store import RunStore
from forge.types import Attempt, Task, TrainingExample, Verdict

Echo = Callable[[str], None]
ProgressBar = Callable[[str, int], Any]
"""``progress(label, total)`` returns a bar with ``update(n)`` and ``finish()``."""


class Session:
    """An open run. Use :meth:`open`, then :meth:`run`; or as a context manager."""

    def __init__(
        self,
        config: RunConfig,
        run_dir: Path,
        store: RunStore,
        plan: tuple[Phase, ...],
        tasks: tuple[list[Task], list[Task]],
        parts: dict[str, Any],
        echo: Echo,
        progress: ProgressBar | None,
        resumed: bool,
    ) -> None:
        self.config, self.run_dir, self.store, self.plan = config, run_dir, store, plan
        self.train, self.heldout = tasks
        self.tasks = [*self.train, *self.heldout]
        self.transfer: list[Task] = parts.get("transfer", [])
        """Tasks from another distribution: only the measure phases see them."""
        self._heldout_ids = {t.id for t in (*self.heldout, *self.transfer)}
        self.domain: Domain = parts["domain"]
        self.verifiers: Sequence[Verifier] = parts["verifiers"]
        self.executor: Executor = parts["executor"]
        self._engine_cls: type[Engine] = parts["engine_cls"]
        self._trainer_cls: type[Trainer] = parts["trainer_cls"]
        self._lock: RunLock = parts["lock"]
        self._manager = parts["manager"]
        self._engines: dict[str | None, Engine] = {}
        if parts.get("engine") is not None:
            self._engines[config.model.adapter] = parts["engine"]
            store.set_meta("model", parts["engine"].identity)
            store.set_meta("engine", self._engine_cls.name)
        self.echo, self.progress, self.resumed = echo, progress, resumed
        self.handle = Run(run_dir.name, run_dir, self.domain.name, config, [p.name for p in plan])
        self._warned: set[tuple[str, str]] = set()
        self.model_progress: ModelProgress | None = parts.get("model_progress")

    # ----- opening and closing --------------------------------------------------------------
    @classmethod
    def open(
        cls,
        config: RunConfig,
        run_dir: Path | None = None,
        *,
        out: Path = Path("runs"),
        plan: tuple[Phase, ...] | None = None,
        echo: Echo = print,
        progress: ProgressBar | None = None,
        model_progress: ModelProgress | None = None,
        name: str | None = None,
    ) -> Session:
        """Start a fresh run in a new folder under ``out``, or reopen ``run_dir`` to resume it.

        ``plan`` defaults to :func:`forge.phases.plan` of ``config``; a resumed run keeps the
        plan it was started with. ``name`` names a fresh run's folder (default: a timestamp,
        the domain and a random suffix). Everything that can fail on bad input (unknown
        domain, engine, trainer or executor, a domain whose prerequisites are missing, a bad
        task source, a model that will not load) fails before a fresh run's folder is created.
        """
        from forge.plugins import get_manager
        from forge.readiness import require_ready

        manager = get_manager()
        parts = _resolve_parts(manager, config)
        require_ready(parts["domain"])  # a missing simulator stops here, before any phase
        parts.update(manager=manager, model_progress=model_progress, name=name)
        # The executor starts first: its sandbox is the one task loaders share (HumanEval
        # runs its canonical solutions there), so a process never runs two pools of lanes.
        executor = parts["executor"] = _create_executor(parts["executor_cls"], config)
        try:
            return cls._open(config, run_dir, out, plan, echo, progress, parts)
        except BaseException:
            executor.close()
            raise

    @classmethod
    def _open(
        cls,
        config: RunConfig,
        run_dir: Path | None,
        out: Path,
        plan: tuple[Phase, ...] | None,
        echo: Echo,
        progress: ProgressBar | None,
        parts: dict[str, Any],
    ) -> Session:
        from forge.tasks import prepare_tasks, prepare_transfer

        tasks = prepare_tasks(parts["domain"], config)
        parts["transfer"] = prepare_transfer(parts["domain"], config, *tasks)
        resumed = run_dir is not None
        if run_dir is None:
            # Load the model before making the folder: a bad --model leaves nothing behind.
            parts["engine"] = _load_engine(
                parts["engine_cls"],
                config,
                config.model.adapter,
                parts["model_progress"],
                parts["executor"],
            )
            run_dir = new_run_dir(out, parts["domain"].name, parts.get("name"))
            write_config(run_dir, config)
        lock = parts["lock"] = RunLock(run_dir).__enter__()
        try:
            store = open_store(run_dir, config)
            _check_same_tasks(store, *tasks, parts["transfer"])
            names = store.get_meta("phase_list") or [
                p.name for p in plan or phase_table.plan(config)
            ]
            store.set_meta("phase_list", list(names))
            store.set_meta("run_id", run_dir.name)
            store.set_meta("domain", parts["domain"].name)
            store.set_meta("domain_version", parts["domain"].version)
        except BaseException:
            lock.__exit__(None, None, None)
            raise
        return cls(
            config,
            run_dir,
            store,
            phase_table.from_names(names),
            tasks,
            parts,
            echo,
            progress,
            resumed,
        )

    def close(self) -> None:
        """Stop the executor, close the store and release the run folder's lock."""
        try:
            self.executor.close()
        finally:
            self.store.close()
            self._lock.__exit__(None, None, None)

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- running --------------------------------------------------------------------------
    @property
    def is_evaluation(self) -> bool:
        """True when the plan does not train (``forge eval``)."""
        return not any(p.kind == "train" for p in self.plan)

    def header(self) -> str:
        """Return the first console line: run id, domain, tasks, and what it runs on."""
        experiment = any(p.kind == "measure" or p.tasks == "train" for p in self.plan)
        evaluation = self.is_evaluation and not experiment
        kind = "forge experiment" if experiment else "forge eval" if evaluation else "forge run"
        counts = (
            f"{len(self.tasks)} tasks (evaluation: {', '.join(p.name for p in self.plan)})"
            if evaluation
            else f"{len(self.train)} training + {len(self.heldout)} held-out tasks"
        )
        if self.transfer:
            counts += f" + {len(self.transfer)} transfer tasks"
        if experiment:
            counts += f" ({', '.join(p.name for p in self.plan)})"
        resumed = " (resumed)" if self.resumed else ""
        return f"{kind} {self.run_dir.name}: domain {self.domain.name} v{self.domain.version}, {counts}{resumed}"

    def run(self) -> dict[str, Any]:
        """Run every phase of the plan not yet done; write and return the summary."""
        from forge.loop import run_phase
        from forge.summary import build_summary

        self.echo(self.header())
        loaded = next(iter(self._engines.values()), None)
        self.echo(f"  engine: {loaded.describe() if loaded else self._engine_cls.name}")
        self.echo(f"  executor: {self.executor.describe()}")
        self.fire("run_started", run=self.handle)
        for phase in self.plan:
            if self.store.phase_status(phase.name) == "done":
                self.echo(f"{phase.title}: already done, skipped on resume")
                continue
            self.echo(f"\n{phase.title}")
            self.store.start_phase(phase.name)
            t0 = time.perf_counter()
            try:
                stats = run_phase(self, phase)
            except BaseException:
                self.store.add_phase_seconds(phase.name, time.perf_counter() - t0)
                raise
            stats["seconds"] = round(time.perf_counter() - t0, 3)
            self.store.finish_phase(phase.name, stats["seconds"], stats)
            self.fire("phase_finished", run=self.handle, phase=phase.name, stats=stats)
        summary = build_summary(self.store, self.run_dir.name)
        write_json(self.run_dir / "summary.json", summary)
        from forge.report import render

        self.report = render(self.run_dir)
        self.fire("run_finished", run=self.handle, summary=summary)
        return summary

    def is_heldout(self, task_id: str) -> bool:
        """True when ``task_id`` is a held-out task of this run."""
        return task_id in self._heldout_ids

    # ----- the seams ------------------------------------------------------------------------
    def adapter_for(self, phase_name: str) -> str | None:
        """Return the adapter ``phase_name`` generates with: the trained one for the AFTER
        phases once TRAIN stored it, else the adapter the run started from (or None)."""
        trained = self.store.get_meta("adapter")
        if phase_table.get(phase_name).uses_adapter and trained:
            return str(trained)
        return self.config.model.adapter

    def engine(self, phase_name: str) -> Engine:
        """Return the engine for ``phase_name``, with the adapter it needs applied explicitly.

        Fresh and resumed runs take this same path, so AFTER uses the trained adapter
        because the store says TRAIN produced it, never because training changed a model.
        """
        adapter = self.adapter_for(phase_name)
        if adapter not in self._engines:
            if self._engines:
                base = next(iter(self._engines.values()))
                self._engines[adapter] = base.with_adapter(Path(adapter) if adapter else None)
            else:
                self._engines[adapter] = _load_engine(
                    self._engine_cls, self.config, adapter, self.model_progress, self.executor
                )
            if self.store.get_meta("model") is None:
                self.store.set_meta("model", self._engines[adapter].identity)
                self.store.set_meta("engine", self._engine_cls.name)
        return self._engines[adapter]

    def train_adapter(
        self, examples: Sequence[TrainingExample], out_dir: Path, label: str
    ) -> TrainResult:
        """Train the configured method on ``examples`` into ``out_dir``, with a progress bar."""
        cfg = self.config.train
        base = Path(self.config.model.adapter) if self.config.model.adapter else None
        trainer = self._trainer_cls.create(self.config.model.name, base)
        bar = self.progress(label, cfg.iters) if self.progress else None
        last = [0]

        def on_progress(it: int, total: int, loss: float) -> None:
            if bar is not None and it > last[0]:
                bar.update(it - last[0])
                last[0] = it

        try:
            return trainer.train(
                examples, out_dir, cfg, seed=self.config.seed, progress=on_progress
            )
        finally:
            if bar is not None:
                bar.finish()

    def verify(self, items: Sequence[tuple[Task, str | None]]) -> list[Verdict]:
        """Verify ``items`` through the executor (with the domain's extra verifiers); a
        domain that raised while verifying is warned about once, naming its plugin."""
        verdicts = self.executor.submit(self.domain, items, self.verifiers).result()
        for verdict in verdicts:
            if "plugin_error" in verdict.extra:
                self.warn_once("verify", f"{verdict.message} (the answer counts as an error)")
        return verdicts

    def feedback(self, task: Task, verdict: Verdict) -> str:
        """Return the feedback a repair prompt shows, in the configured style."""
        from forge import plugin_calls

        style = self.config.search.feedback
        return plugin_calls.feedback(self.domain, task, verdict, style, self.warn_once)

    def score(self, verdict: Verdict) -> float:
        """Return the domain's score of ``verdict`` (forge's default if the domain's fails)."""
        from forge import plugin_calls

        return plugin_calls.score(self.domain, verdict, self.warn_once)

    def warn_once(self, key: str, message: str) -> None:
        """Print ``Warning: message`` the first time ``key`` is warned about in this session."""
        if ("domain", key) not in self._warned:
            self._warned.add(("domain", key))
            self.echo(f"Warning: {message} (the run goes on; further errors not shown)")

    def repair_prompt(self, task: Task, attempt: Attempt) -> list[dict[str, str]]:
        """Return the domain's repair prompt for ``attempt``, in the configured feedback style."""
        from forge import plugin_calls

        artifact, style = attempt.candidate.artifact or "", self.config.search.feedback
        return plugin_calls.repair_prompt(
            self.domain, task, artifact, attempt.verdict, style, self.warn_once
        )

    def fire(self, hook: str, **kwargs: Any) -> None:
        """Call event hook ``hook`` on every plugin; a plugin that raises is warned about once."""
        from forge.plugins import fire

        def warn(plugin: str, exc: Exception) -> None:
            if (plugin, hook) not in self._warned:
                self._warned.add((plugin, hook))
                self.echo(
                    f"Warning: plugin '{plugin}' failed in {hook}: {type(exc).__name__}: {exc} "
                    "(the run goes on; further errors not shown)"
                )

        fire(self._manager.pm, hook, warn, **kwargs)


# ----- resolving the parts of a run -----------------------------------------------------------
def _resolve_parts(manager: Any, config: RunConfig) -> dict[str, Any]:
    """Return the domain, verifiers and the engine/trainer/executor classes ``config`` names."""
    reg = manager.registry()
    return {
        "domain": manager.domain(config.domain),
        "verifiers": list(reg.verifiers.get(config.domain, [])),
        "engine_cls": select_engine(reg.engines, config.model.engine),
        "trainer_cls": _select(
            reg.trainers, config.train.method, "training method", "train.method"
        ),
        "executor_cls": _select(reg.executors, config.executor.name, "executor", "executor.name"),
    }


def check_parts(manager: Any, config: RunConfig) -> None:
    """Raise the one-line error a run with ``config`` would raise for a domain, engine,
    trainer or executor that is not installed or cannot run here; start nothing."""
    _resolve_parts(manager, config)


def select_engine(engines: dict[str, type[Engine]], name: str) -> type[Engine]:
    """Return the engine class called ``name``; ``auto`` is the usable one ranked highest here."""
    if name != "auto":
        return _select(engines, name, "engine", "--engine / model.engine")
    usable = [cls for cls in engines.values() if cls.missing() is None]
    if not usable:
        raise ForgeError("No generation engine can run here.", "Run 'forge doctor'.")
    return max(usable, key=lambda cls: cls.auto_rank())


def _select(table: dict[str, Any], name: str, what: str, where: str) -> Any:
    from forge.errors import UsageError
    from forge.plugins import get_manager

    if name not in table:
        raise get_manager().unknown(what, name, table)
    missing = table[name].missing()
    if missing:
        raise UsageError(f"The {what} '{name}' ({where}) cannot run here: {missing}")
    return table[name]


def _load_engine(
    cls: type[Engine],
    config: RunConfig,
    adapter: str | None,
    progress: ModelProgress | None,
    executor: Executor,
) -> Engine:
    """Load the engine on the executor's workers when it hosts engines, else in this process."""
    path = Path(adapter) if adapter else None
    if isinstance(executor, EngineHost):
        hosted = executor.load_engine(cls, config.model.name, adapter=path, progress=progress)
        if hosted is not None:
            return hosted
    return cls.load(config.model.name, adapter=path, progress=progress)


def _create_executor(cls: type[Executor], config: RunConfig) -> Executor:
    return cls.create(config)


def _check_same_tasks(
    store: RunStore, train: list[Task], heldout: list[Task], transfer: list[Task]
) -> None:
    saved = [store.load_split(s) for s in ("train", "heldout", "transfer")]
    if not any(saved):
        store.save_tasks(train, heldout, transfer)
        return
    ids = lambda tasks: [t.id for t in tasks]  # noqa: E731
    if list(map(ids, saved)) != list(map(ids, (train, heldout, transfer))):
        raise StoreError(
            "The run's tasks changed since it started (the task source was edited or moved).",
            "Restore the task file, or start a new run.",
        )
