"""The run summary (``summary.json``): one builder for finished and interrupted runs alike.

A finished phase contributes the stats it recorded when it finished; a phase that was cut
off is counted from the attempts it stored (and listed under ``partial``); a phase never
reached is absent. Counting uses
:func:`forge.types.best` and :attr:`forge.types.Attempt.solved` only, so the loop's
console, ``summary.json``, ``forge report`` and the HTML report always agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from forge.phases import BY_NAME, MEASURED, RUN
from forge.store import RunStore
from forge.types import Attempt, best

HEADLINE = "hidden tests where tasks have them, else public tests"


def split_stats(best_by_task: Mapping[str, Attempt | None]) -> dict[str, int]:
    """Return ``passed`` (solved tasks), ``total`` (tasks) and headline test counts."""
    tests = [a.verdict.headline() if a else (0, 0) for a in best_by_task.values()]
    return {
        "passed": sum(bool(a and a.solved) for a in best_by_task.values()),
        "total": len(best_by_task),
        "tests_passed": sum(p for p, _ in tests),
        "tests_total": sum(t for _, t in tests),
    }


def phase_stats(
    attempts: Mapping[str, Sequence[Attempt]], train_ids: Sequence[str], heldout_ids: Sequence[str]
) -> dict[str, Any]:
    """Return a measured phase's stats: ``train`` and ``heldout`` blocks of :func:`split_stats`.

    ``attempts`` maps task id -> that task's attempts in the phase; each task counts its
    :func:`forge.types.best` attempt.
    """
    return {
        "train": split_stats({t: best(attempts.get(t, ())) for t in train_ids}),
        "heldout": split_stats({t: best(attempts.get(t, ())) for t in heldout_ids}),
    }


def build_summary(store: RunStore, run_id: str) -> dict[str, Any]:
    """Return the run's summary from its store: what ``summary.json`` holds."""
    records = store.phases()
    planned = list(store.get_meta("phase_list") or RUN)
    train, heldout = store.load_tasks()
    out: dict[str, Any] = {
        "run_id": run_id,
        "domain": store.get_meta("domain"),
        "domain_version": store.get_meta("domain_version"),
        "model": store.get_meta("model", {}),
        "engine": store.get_meta("engine"),
        "adapter": store.get_meta("adapter"),
        "config": store.get_meta("config", {}),
        "headline": HEADLINE,
        "phase_list": planned,
        "phases": {},
        "heldout": {},
        "pairs": _pairs(store, records.get("pairs")),
        "train": _train(store, records.get("train")),
        "seconds": {n: round(r["seconds"] or 0.0, 3) for n, r in records.items()},
        "partial": [n for n in planned if records.get(n, {}).get("status") == "running"],
        "tasks": {"train": [t.id for t in train], "heldout": [t.id for t in heldout]},
    }
    transfer = store.load_split("transfer")
    if transfer:
        out["tasks"]["transfer"] = [t.id for t in transfer]
    measured = {n: _measure(store, records.get(n)) for n in planned if _is_measure(n)}
    if measured:
        out["measure"] = {n: m for n, m in measured.items() if m is not None}
    for phase in MEASURED:
        if phase.name not in planned:
            continue
        stats = _measured(store, records.get(phase.name), phase.name, out["tasks"])
        if stats is not None:
            out["phases"][phase.name], out["heldout"][phase.name] = stats["train"], stats["heldout"]
    out["total_seconds"] = round(sum(out["seconds"].values()), 3)
    return out


def _measured(
    store: RunStore, record: Mapping[str, Any] | None, phase: str, tasks: Mapping[str, list[str]]
) -> dict[str, Any] | None:
    """Return a measured phase's stats: as recorded when done, counted from attempts if cut off."""
    if record and record["status"] == "done" and "train" in record["stats"]:
        return dict(record["stats"])
    stored = store.attempts(phase)
    if not stored:
        return None
    by_task: dict[str, list[Attempt]] = {}
    for attempt in stored:
        by_task.setdefault(attempt.candidate.task_id, []).append(attempt)
    stats: dict[str, Any] = phase_stats(by_task, tasks["train"], tasks["heldout"])
    for split in ("train", "heldout"):  # a split none of whose tasks reached the phase
        if not any(t in by_task for t in tasks[split]):
            stats[split] = None
    return stats


def _is_measure(name: str) -> bool:
    return name in BY_NAME and BY_NAME[name].kind == "measure"


def _measure(store: RunStore, record: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Return a finished measure phase's metrics per split (None until it finishes)."""
    if record and record["status"] == "done":
        return {k: v for k, v in record["stats"].items() if k != "seconds"}
    return None


def _pairs(store: RunStore, record: Mapping[str, Any] | None) -> dict[str, int] | None:
    """Return example counts by kind (``repair``, ``rehearsal``, ...) once PAIRS ran."""
    kinds: Counter[str] = Counter(e.kind for e in store.examples())
    if record is None and not kinds:
        return None
    counts: dict[str, int] = {"repair": kinds["repair"], "rehearsal": kinds["rehearsal"]}
    counts.update(kinds)
    return counts


def _train(store: RunStore, record: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Return the training stats: as recorded when done, else what the loss log shows."""
    if record and record["status"] == "done" and record["stats"]:
        return {k: v for k, v in record["stats"].items() if k != "seconds"}
    log = store.train_log()
    if log:
        return {"iters": log[-1][0], "first_loss": log[0][1], "final_loss": log[-1][1]}
    return None
