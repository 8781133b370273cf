"""Read one run folder (``summary.json``, ``forge.db``, ``config.yaml``) into data for reports.

Reading never changes a result. When ``summary.json`` is missing (a run that was killed
before writing it) the summary is rebuilt from the store, so an interrupted run still reports.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from forge.errors import StoreError
from forge.report.console import PHASES
from forge.store import RunStore

SEARCH_PHASES = ("search", "after_search")
SPLITS = (("train", "phases"), ("heldout", "heldout"))
"""Task split name in the store, and the summary key that holds its per-phase stats."""

Row = dict[str, Any]
"""One stored candidate: every ``candidates`` column, ``verdict`` decoded."""


@dataclass
class TaskInfo:
    """One task of the run with its candidates, grouped by phase (oldest first)."""

    id: str
    split: str
    prompt: str = ""
    by_phase: dict[str, list[Row]] = field(default_factory=dict)

    def first(self, phase: str) -> Row | None:
        """Return the phase's first candidate (the single pass), or None."""
        rows = self.by_phase.get(phase)
        return rows[0] if rows else None

    def best(self, phase: str) -> Row | None:
        """Return the phase's best candidate: solved first, then highest score, earliest."""
        rows = self.by_phase.get(phase) or []
        return max(rows, key=lambda r: (solved(r), r["score"], -r["generation"]), default=None)

    def solved_generation(self, phase: str) -> int | None:
        """Return the first generation of ``phase`` with a solving candidate, or None."""
        gens = [r["generation"] for r in self.by_phase.get(phase) or [] if solved(r)]
        return min(gens) if gens else None


@dataclass
class RunData:
    """Everything a report shows about one run."""

    run_dir: Path
    summary: dict[str, Any]
    tasks: list[TaskInfo]
    train_log: list[tuple[int, float]]
    config: dict[str, Any]


def headline(row: Row) -> tuple[int, int]:
    """Return a candidate's ``(passed, total)`` on hidden tests when it has them, else public."""
    if row["hidden_total"]:
        return int(row["hidden_passed"]), int(row["hidden_total"])
    return int(row["passed"]), int(row["total"])


def solved(row: Row) -> bool:
    """Return True when a candidate solved its task, as the loop counts it.

    Every headline test passed (hidden where the task has them) and every public test too.
    """
    passed, total = headline(row)
    public_ok = row["total"] > 0 and row["passed"] == row["total"]
    return total > 0 and passed == total and public_ok and row["status"] in ("passed", "failed")


def load_run(run_dir: Path) -> RunData:
    """Return the run folder's data; raises StoreError if it holds neither summary nor store."""
    run_dir = Path(run_dir)
    db_path, summary_path = run_dir / "forge.db", run_dir / "summary.json"
    if not db_path.is_file() and not summary_path.is_file():
        raise StoreError(
            f"'{run_dir}' is not a forge run folder (no summary.json or forge.db).",
            "Pass a folder under runs/, e.g. runs/<id>.",
        )
    config = _read_config(run_dir / "config.yaml")
    tasks: list[TaskInfo] = []
    train_log: list[tuple[int, float]] = []
    store_summary: dict[str, Any] = {}
    if db_path.is_file():
        store = RunStore(db_path)
        try:
            tasks, train_log = _read_tasks(store), store.train_log()
            if not summary_path.is_file():
                store_summary = derive_summary(store, tasks, run_dir.name, config)
        finally:
            store.close()
    summary = _read_summary(summary_path) if summary_path.is_file() else store_summary
    return RunData(run_dir, summary, tasks, train_log, summary.get("config") or config)


def load_summary(run_dir: Path) -> dict[str, Any]:
    """Return the run's summary: ``summary.json``, or one rebuilt from the store when missing."""
    return load_run(Path(run_dir)).summary


def _read_summary(path: Path) -> dict[str, Any]:
    """Return ``summary.json`` as a dict; raises StoreError when it is not a JSON object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"'{path}' cannot be read: {exc}.") from None
    if not isinstance(data, dict):
        raise StoreError(f"'{path}' must hold a JSON object.")
    return data


def _read_config(path: Path) -> dict[str, Any]:
    """Return ``config.yaml`` as a dict, or ``{}`` when it is missing or unreadable."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def _read_tasks(store: RunStore) -> list[TaskInfo]:
    """Return the run's tasks (training first, then held-out) with their candidates attached."""
    train, heldout = store.load_tasks()
    tasks = [TaskInfo(t.id, "train", t.prompt) for t in train]
    tasks += [TaskInfo(t.id, "heldout", t.prompt) for t in heldout]
    by_id = {t.id: t for t in tasks}
    for row in store.candidates():
        task = by_id.get(row["task_id"])
        if task is None:  # a candidate for a task the split does not name: show, don't hide
            task = by_id[row["task_id"]] = TaskInfo(row["task_id"], "unknown")
            tasks.append(task)
        task.by_phase.setdefault(row["phase"], []).append(row)
    return tasks


def derive_summary(
    store: RunStore, tasks: list[TaskInfo], run_id: str, config: dict[str, Any]
) -> dict[str, Any]:
    """Return a summary dict shaped like ``summary.json``, rebuilt from the store.

    Finished phases use the stats the loop recorded with them; a phase that was cut off
    is counted from its stored candidates (a partial result, marked in ``partial``).
    """
    records = store.phases()
    summary: dict[str, Any] = {
        "run_id": store.get_meta("run_id", run_id),
        "domain": store.get_meta("domain", config.get("domain")),
        "domain_version": store.get_meta("domain_version"),
        "model": store.get_meta("model", config.get("model")),
        "adapter": store.get_meta("adapter"),
        "config": store.get_meta("config") or config,
        "headline": "hidden tests where tasks have them, else public",
        "phase_list": store.get_meta("phase_list"),
        "derived": True,
        "partial": [n for n, r in records.items() if r["status"] != "done"],
    }
    for split, key in SPLITS:
        members = [t for t in tasks if t.split == split]
        summary[key] = {p: _split_stats(records.get(p), split, members, p) for p, _ in PHASES}
    kinds = Counter(p.kind for p in store.pairs())
    summary["pairs"] = {"repair": kinds["repair"], "rehearsal": kinds["rehearsal"]}
    summary["train"] = _train_stats(records.get("train"), store.train_log())
    seconds = {name: rec["seconds"] for name, rec in records.items()}
    summary["seconds"] = seconds
    summary["total_seconds"] = sum(v or 0 for v in seconds.values())
    return summary


def _split_stats(
    record: dict[str, Any] | None, split: str, tasks: list[TaskInfo], phase: str
) -> dict[str, int] | None:
    """Return one split's stats for a phase: as recorded when done, else counted from rows."""
    if record and record["status"] == "done" and isinstance(record["stats"].get(split), dict):
        return record["stats"][split]
    return _phase_stats(tasks, phase)


def _train_stats(record: dict[str, Any] | None, log: list[tuple[int, float]]) -> Any:
    """Return the training stats: as recorded when done, else what the loss log shows."""
    if record and record["status"] == "done" and record["stats"]:
        return {k: v for k, v in record["stats"].items() if k != "seconds"}
    if log:
        return {"iters": log[-1][0], "first_loss": log[0][1], "final_loss": log[-1][1]}
    return None


def _phase_stats(tasks: list[TaskInfo], phase: str) -> dict[str, int] | None:
    """Return pass counts for one split in one phase, or None when no task reached it."""
    if not tasks or not any(phase in t.by_phase for t in tasks):
        return None
    passed = tests_passed = tests_total = 0
    for task in tasks:
        best = task.best(phase)
        if best is None:
            continue
        passed += solved(best)
        p, n = headline(best)
        tests_passed, tests_total = tests_passed + p, tests_total + n
    return {
        "passed": passed,
        "total": len(tasks),
        "tests_passed": tests_passed,
        "tests_total": tests_total,
    }
