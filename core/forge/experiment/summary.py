"""An experiment's results: per-task metrics from every finished run, means and intervals.

:func:`analyse` reads the run folders (never changes them) and returns what
``summary.json`` holds; an arm x seed whose measurement has not finished is left out of
every number and counted under ``status``, so a partial experiment still reports honestly.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forge.attempts import load_attempts
from forge.experiment.config import ExperimentConfig
from forge.experiment.runner import run_dir
from forge.measure import TaskMetrics, metric_names, task_metrics
from forge.runs import write_json
from forge.stats import bootstrap, paired_difference
from forge.store import RunStore

SPLIT_ORDER = ("heldout", "transfer", "train")
METRIC_LABELS = {"greedy": "greedy pass@1", "tests": "tests passed"}
"""How a metric is called in tables; pass@k is called by its name."""


def metric_label(name: str) -> str:
    """Return a metric's display name: ``greedy pass@1``, ``pass@1`` (sampled), ``pass@8``."""
    return METRIC_LABELS.get(name, name)


@dataclass
class Cell:
    """One arm x seed: its run folder and, once its measurement finished, per-task metrics."""

    arm: str
    seed: int
    run_dir: Path
    metrics: dict[str, dict[str, TaskMetrics]] | None = None
    training: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


def load_cell(exp: ExperimentConfig, folder: Path, arm: str, seed: int) -> Cell:
    """Return the cell of ``arm`` and ``seed`` as its run folder holds it now."""
    base = exp.arms[arm].kind == "base"
    path = run_dir(folder, seed, None if base else arm)
    cell = Cell(arm, seed, path)
    if not (path / "forge.db").is_file():
        return cell
    store = RunStore(path / "forge.db")
    try:
        records = store.phases()
        cell.seconds = sum(r["seconds"] or 0.0 for r in records.values())
        if not base:
            cell.training = _training(store, records)
        phase = "measure" if base else "measure_after"
        if records.get(phase, {}).get("status") == "done":
            cell.metrics = _metrics(store, phase)
    finally:
        store.close()
    return cell


def _metrics(store: RunStore, phase: str) -> dict[str, dict[str, TaskMetrics]]:
    out = {}
    for split in SPLIT_ORDER:
        tasks = store.load_split(split)
        stored = load_attempts(store, phase, tasks)
        if tasks and any(stored.values()):
            out[split] = {t.id: task_metrics(stored[t.id]) for t in tasks}
    return out


def _training(store: RunStore, records: dict[str, Any]) -> dict[str, Any]:
    """Return what the arm trained on and how training went (as far as it got)."""
    kinds = Counter(e.kind for e in store.examples())
    pairs = records.get("pairs", {}).get("stats", {})
    train = records.get("train", {}).get("stats", {})
    out: dict[str, Any] = {"examples": dict(kinds)}
    for key in ("stayed_in_own_task", "tasks_with_examples"):
        if key in pairs:
            out[key] = pairs[key]
    for key, value in train.items():  # every scalar the trainer recorded (loss, stopping, ...)
        if key != "seconds" and value is not None and isinstance(value, (str, int, float)):
            out[key] = value
    return out


def analyse(exp: ExperimentConfig, folder: Path) -> dict[str, Any]:
    """Return the experiment's summary from its run folders (what ``summary.json`` holds)."""
    cells = {(a, s): load_cell(exp, folder, a, s) for a in exp.arm_names() for s in exp.seeds}
    samples = exp.shared_config(exp.seeds[0]).measure.samples
    metrics = metric_names(samples, exp.k)
    splits = _splits(cells)
    out: dict[str, Any] = {
        "experiment": exp.name,
        "folder": str(folder),
        "config": exp.to_dict(),
        "seeds": list(exp.seeds),
        "arms": [_arm_info(exp, n) for n in exp.arm_names()],
        "base_arm": exp.base_arm,
        "metrics": metrics,
        "confidence": exp.confidence,
        "splits": {s: {"tasks": len(ids)} for s, ids in splits.items()},
        "results": {},
        "differences": {},
        "training": {},
        "runs": {},
        "status": _status(exp, cells),
        "seconds": {},
    }
    for (arm, seed), cell in cells.items():
        out["runs"].setdefault(arm, {})[str(seed)] = _relative(cell.run_dir, folder)
        out["seconds"].setdefault(arm, {})[str(seed)] = round(cell.seconds, 1)
        if cell.training:
            out["training"].setdefault(arm, {})[str(seed)] = cell.training
    for split, ids in splits.items():
        out["results"][split] = _results(exp, cells, split, ids, metrics)
        out["differences"][split] = _differences(exp, cells, split, ids, metrics)
    shared = {c.run_dir: c.seconds for c in cells.values()}
    out["total_seconds"] = round(sum(shared.values()), 1)
    out["written"] = time.strftime("%Y-%m-%d %H:%M:%S")
    return out


def _arm_info(exp: ExperimentConfig, name: str) -> dict[str, Any]:
    arm = exp.arms[name]
    info: dict[str, Any] = {"name": name, "kind": arm.kind, "description": arm.description}
    if arm.kind == "control":
        info["of"] = exp.controlled(name)
    if arm.kind != "base":
        cfg = exp.arm_config(name, exp.seeds[0], Path("collection"))
        info.update(recipe=list(cfg.pairs.recipe), method=cfg.train.method)
        info["frontier"] = cfg.pairs.frontier
    return info


def _splits(cells: dict[tuple[str, int], Cell]) -> dict[str, list[str]]:
    """Return each measured split's task ids (the same in every run: the split is fixed)."""
    out: dict[str, list[str]] = {}
    for cell in cells.values():
        for split, by_task in (cell.metrics or {}).items():
            out.setdefault(split, list(by_task))
    return {s: out[s] for s in SPLIT_ORDER if s in out}


def _status(exp: ExperimentConfig, cells: dict[tuple[str, int], Cell]) -> dict[str, Any]:
    missing = [f"{a}/seed-{s}" for (a, s), c in cells.items() if c.metrics is None]
    return {"measured": len(cells) - len(missing), "total": len(cells), "missing": missing}


Values = Callable[[Cell], list[float]]


def _matrix(cells: list[Cell], split: str, ids: list[str], metric: str) -> list[list[float]]:
    rows = []
    for cell in cells:
        by_task = (cell.metrics or {}).get(split, {})
        rows.append([by_task[t].value(metric) for t in ids])
    return rows


def _done(cells: dict[tuple[str, int], Cell], arm: str, seeds: list[int], split: str) -> list[int]:
    return [s for s in seeds if split in (cells[(arm, s)].metrics or {})]


def _results(
    exp: ExperimentConfig,
    cells: dict[tuple[str, int], Cell],
    split: str,
    ids: list[str],
    metrics: list[str],
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for arm in exp.arm_names():
        seeds = _done(cells, arm, exp.seeds, split)
        if not seeds:
            continue
        rows = [cells[(arm, s)] for s in seeds]
        block: dict[str, Any] = {"seeds": seeds}
        for metric in metrics:
            x = _matrix(rows, split, ids, metric)
            iv = bootstrap(x, exp.resamples, exp.confidence, seed=0)
            block[metric] = {**iv.to_dict(), "per_seed": [sum(r) / len(r) for r in x]}
        out[arm] = block
    return out


def _differences(
    exp: ExperimentConfig,
    cells: dict[tuple[str, int], Cell],
    split: str,
    ids: list[str],
    metrics: list[str],
) -> dict[str, Any]:
    """Each arm minus the base arm, paired by task and seed (seeds where both finished)."""
    out: dict[str, Any] = {}
    base_seeds = set(_done(cells, exp.base_arm, exp.seeds, split))
    for arm in exp.arm_names():
        if arm == exp.base_arm:
            continue
        seeds = [s for s in _done(cells, arm, exp.seeds, split) if s in base_seeds]
        if not seeds:
            continue
        block: dict[str, Any] = {"seeds": seeds}
        for metric in metrics:
            a = _matrix([cells[(arm, s)] for s in seeds], split, ids, metric)
            b = _matrix([cells[(exp.base_arm, s)] for s in seeds], split, ids, metric)
            iv = paired_difference(a, b, exp.resamples, exp.confidence, seed=0)
            block[metric] = {**iv.to_dict(), "excludes_zero": iv.excludes_zero}
        out[arm] = block
    return out


def _relative(path: Path, folder: Path) -> str:
    try:
        return str(path.relative_to(folder))
    except ValueError:
        return str(path)


def write_outputs(exp: ExperimentConfig, folder: Path, echo: Callable[[str], None]) -> dict:
    """Write ``summary.json``, ``table.txt`` and ``report.html``; print the table; return
    the summary."""
    from forge.experiment.report import render
    from forge.experiment.table import table_lines

    summary = analyse(exp, folder)
    write_json(folder / "summary.json", summary)
    lines = table_lines(summary)
    tmp = folder / "table.txt.tmp"
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(folder / "table.txt")
    report = render(folder, summary)
    echo("")
    for line in lines:
        echo(line)
    echo(f"\nExperiment folder: {folder}\nReport:            {report}")
    return summary
