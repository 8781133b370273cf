"""The MEASURE phases: a greedy answer and ``measure.samples`` sampled answers per task.

They run on the tasks a model is judged on (held-out and transfer tasks, and training
tasks with ``measure.train``), never feed training, and store each chunk of tasks as two
units: ``greedy-<i>`` (generation 0, temperature 0) and ``sampled-<i>`` (generation 1, the
samples). :func:`task_metrics` turns one task's stored answers into the numbers an
experiment compares: greedy pass@1, sampled pass@1 and pass@k (Chen et al.'s unbiased
estimator), and the passing-test fraction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from forge.attempts import (
    SINGLE_PASS_CHUNK,
    Request,
    greedy_units,
    load_attempts,
    sample,
    verify_and_store,
)
from forge.stats import pass_at_k
from forge.types import Attempt, Task

if TYPE_CHECKING:
    from forge.phases import Phase
    from forge.session import Session

GREEDY, SAMPLED = 0, 1
"""The generation numbers of a measure phase's greedy answer and of its samples."""


def eval_splits(session: Session) -> dict[str, list[Task]]:
    """Return the tasks a measure phase judges, by split: held-out, transfer (and train)."""
    splits = {"heldout": session.heldout, "transfer": session.transfer}
    if session.config.measure.train:
        splits = {"train": session.train, **splits}
    return {name: tasks for name, tasks in splits.items() if tasks}


def measure_seed(seed: int, chunk: int) -> int:
    """Return the sampling seed of one chunk: the same in every measure phase of a run seed,
    so the base model and an adapter draw the same random numbers (a paired comparison)."""
    digest = hashlib.blake2b(f"measure:{seed}:{chunk}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "little") % (2**31)


def run_measure(session: Session, phase: Phase) -> dict[str, Any]:
    """Run (or resume) a measure phase; return its stats: per split, the mean metrics."""
    splits = eval_splits(session)
    tasks = [t for group in splits.values() for t in group]
    cfg = session.config.measure
    engine = session.engine(phase.name)
    chunks = [
        [(t, session.domain.build_prompt(t)) for t in tasks[start : start + SINGLE_PASS_CHUNK]]
        for start in range(0, len(tasks), SINGLE_PASS_CHUNK)
    ]
    greedy = [
        (f"greedy-{i}", [Request(t, messages, 1) for t, messages in prompted])
        for i, prompted in enumerate(chunks)
    ]
    greedy_units(session, engine, phase.name, greedy, session.config.seed, GREEDY)
    for chunk, prompted in enumerate(chunks if cfg.samples else ()):
        unit = f"sampled-{chunk}"
        if session.store.unit_done(phase.name, unit):
            continue
        reqs = [Request(t, messages, cfg.samples) for t, messages in prompted]
        seed = measure_seed(session.config.seed, chunk)
        label = f"{phase.name} {unit}: generating"
        texts = sample(session, engine, reqs, cfg.temperature, seed, label)
        verify_and_store(session, phase.name, unit, reqs, texts, SAMPLED)
    stored = load_attempts(session.store, phase.name, tasks)
    stats = {
        name: split_metrics([task_metrics(stored[t.id]) for t in group], (1, cfg.samples))
        for name, group in splits.items()
    }
    for name, block in stats.items():
        session.echo(f"  {name}: {describe(block)}")
    return stats


@dataclass(frozen=True)
class TaskMetrics:
    """One task's measurement: the greedy answer, and ``c`` solved of ``n`` samples."""

    greedy_solved: bool
    greedy_tests: float
    """Headline tests the greedy answer passed, as a fraction (0 with no tests)."""
    n: int
    c: int
    sample_tests: float
    """Mean headline-test fraction over the samples (0 with no samples)."""

    def value(self, metric: str) -> float:
        """Return ``greedy``, ``tests``, ``sample_tests``, or ``pass@k`` (k <= n) for this task."""
        if metric == "greedy":
            return float(self.greedy_solved)
        if metric == "tests":
            return self.greedy_tests
        if metric == "sample_tests":
            return self.sample_tests
        if metric.startswith("pass@"):
            return pass_at_k(self.n, self.c, int(metric[5:]))
        raise ValueError(f"unknown metric {metric!r}")


def task_metrics(attempts: Sequence[Attempt]) -> TaskMetrics:
    """Return the metrics of one task's measure-phase attempts (greedy first, then samples).

    "Solved" is :attr:`forge.types.Attempt.solved`: hidden tests where the task has them.
    """
    greedy = [a for a in attempts if a.candidate.generation == GREEDY]
    samples = [a for a in attempts if a.candidate.generation == SAMPLED]
    return TaskMetrics(
        greedy_solved=bool(greedy and greedy[0].solved),
        greedy_tests=_tests(greedy[0]) if greedy else 0.0,
        n=len(samples),
        c=sum(a.solved for a in samples),
        sample_tests=sum(map(_tests, samples)) / len(samples) if samples else 0.0,
    )


def metric_names(samples: int, ks: Sequence[int] = ()) -> list[str]:
    """Return the metrics a measurement with ``samples`` samples supports, in table order."""
    names = ["greedy"]
    if samples:
        names += [f"pass@{k}" for k in sorted({1, *ks}) if 1 <= k <= samples]
    return [*names, "tests"]


def split_metrics(per_task: Sequence[TaskMetrics], ks: Sequence[int]) -> dict[str, Any]:
    """Return the split's task count and mean of every metric (no intervals: one run)."""
    samples = min((m.n for m in per_task), default=0)
    names = metric_names(samples, [k for k in ks if k])
    out: dict[str, Any] = {"tasks": len(per_task), "samples": samples}
    for name in names:
        values = [m.value(name) for m in per_task]
        out[name] = sum(values) / len(values) if values else None
    return out


def describe(block: Mapping[str, Any]) -> str:
    """Return one console line for a split's metrics: ``50 tasks: greedy 12.0%, pass@1 ...``."""
    parts = [f"{k} {100 * v:.1f}%" for k, v in block.items() if k not in ("tasks", "samples")]
    return f"{block.get('tasks', 0)} tasks, {block.get('samples', 0)} samples each: " + ", ".join(
        parts
    )


def _tests(attempt: Attempt) -> float:
    passed, total = attempt.verdict.headline()
    return passed / total if total else 0.0
