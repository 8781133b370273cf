"""Read one run folder (``summary.json``, ``forge.db``, ``config.yaml``) into data for reports.

Reading never changes a result. When ``summary.json`` is missing (a run that was killed
before writing it) the summary is rebuilt from the store, so an interrupted run still reports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from forge.errors import StoreError
from forge.store import RunStore
from forge.types import Attempt, best

SPLITS = (("train", "phases"), ("heldout", "heldout"))
"""Task split name in the store, and the summary key that holds its per-phase stats."""


@dataclass
class TaskInfo:
    """One task of the run with its attempts, grouped by phase (oldest first)."""

    id: str
    split: str
    prompt: str = ""
    by_phase: dict[str, list[Attempt]] = field(default_factory=dict)

    def first(self, phase: str) -> Attempt | None:
        """Return the phase's first attempt (the single pass), or None."""
        found = self.by_phase.get(phase)
        return found[0] if found else None

    def best(self, phase: str) -> Attempt | None:
        """Return the phase's best attempt: the one every summary counts (:func:`forge.types.best`)."""
        return best(self.by_phase.get(phase) or [])

    def solved_generation(self, phase: str) -> int | None:
        """Return the first generation of ``phase`` with a solving attempt, or None."""
        gens = [a.candidate.generation for a in self.by_phase.get(phase) or [] if a.solved]
        return min(gens) if gens else None


@dataclass
class RunData:
    """Everything a report shows about one run."""

    run_dir: Path
    summary: dict[str, Any]
    tasks: list[TaskInfo]
    train_log: list[tuple[int, float]]
    config: dict[str, Any]


def load_run(run_dir: Path) -> RunData:
    """Return the run folder's data; raises StoreError if it holds neither summary nor store."""
    from forge.summary import build_summary

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
                store_summary = build_summary(store, run_dir.name)
                store_summary["derived"] = True
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
    """Return the run's tasks (training first, then held-out) with their attempts attached."""
    train, heldout = store.load_tasks()
    tasks = [TaskInfo(t.id, "train", t.prompt) for t in train]
    tasks += [TaskInfo(t.id, "heldout", t.prompt) for t in heldout]
    by_id = {t.id: t for t in tasks}
    for attempt in store.attempts():
        tid = attempt.candidate.task_id
        task = by_id.get(tid)
        if task is None:  # an attempt for a task the split does not name: show, don't hide
            task = by_id[tid] = TaskInfo(tid, "unknown")
            tasks.append(task)
        task.by_phase.setdefault(attempt.candidate.phase, []).append(attempt)
    return tasks
