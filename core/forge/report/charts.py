"""The report's four charts, built from a run's data: pass rates, search progress, loss, time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from forge.phases import PHASES
from forge.phases import label as phase_label
from forge.report import svg
from forge.report.console import duration, shown_phases
from forge.report.data import SPLITS, RunData, TaskInfo

COLORS = {"train": "#3566d6", "heldout": "#e0792b", "unknown": "#8a8f98"}
SPLIT_NAMES = {"train": "Training", "heldout": "Held-out", "unknown": "Other"}
PHASE_COLORS = {
    "before": "#8a9bb5",
    "search": "#3566d6",
    "pairs": "#b3a3d9",
    "train": "#7c4dcc",
    "after": "#2f9e77",
    "after_search": "#1d7a5c",
    "measure": "#b0b8c6",
    "collect": "#5a82e0",
    "measure_after": "#44b38f",
}
STATUS_COLORS = {
    "passed": "#2f9e77",
    "failed": "#e5a03a",
    "error": "#d0453a",
    "timeout": "#8e5cc9",
    "memory": "#5b6fd6",
    "output_limit": "#3aa0c9",
    "crash": "#8c1d18",
    "invalid": "#a3a9b3",
    "rejected": "#4a4f59",
}


def _fraction(stats: Any) -> tuple[float | None, str]:
    """Return ``(passed/total or None, "p/t")`` for one phase's stats dict."""
    if not isinstance(stats, Mapping) or not stats.get("total"):
        return None, "–"
    passed, total = int(stats.get("passed", 0)), int(stats["total"])
    return passed / total, f"{passed}/{total}"


def pass_rates(data: RunData) -> str:
    """Return grouped bars: share of tasks solved per phase, training vs held-out tasks."""
    series, values, notes = [], [], []
    for split, key in SPLITS:
        phases = data.summary.get(key) or {}
        pairs = [_fraction(phases.get(p.name)) for p in shown_phases(data.summary)]
        if split == "heldout" and all(v is None for v, _ in pairs):
            continue
        total = max(
            (int(s.get("total", 0)) for s in phases.values() if isinstance(s, Mapping)), default=0
        )
        series.append((f"{SPLIT_NAMES[split]} ({total})", COLORS[split]))
        values.append([v for v, _ in pairs])
        notes.append([n for _, n in pairs])
    groups = [p.label for p in shown_phases(data.summary)]
    return svg.grouped_bars("Tasks solved by phase", groups, series, values, notes)


def best_by_generation(task: TaskInfo, phase: str, last: int) -> list[tuple[float, float]]:
    """Return ``(generation, best score so far)`` for one task, carried on to ``last``.

    A task whose search stopped early (solved) keeps its best score in later generations.
    """
    attempts = task.by_phase.get(phase) or []
    if not attempts:
        return []
    top: dict[int, float] = {}
    for a in attempts:
        gen = a.candidate.generation
        top[gen] = max(top.get(gen, 0.0), float(a.score))
    points, best = [], 0.0
    for g in range(0, last + 1):
        best = max(best, top.get(g, 0.0))
        points.append((float(g), best))
    return points


def search_progress(data: RunData, phase: str) -> str:
    """Return lines of best public score per generation: thin per task, thick mean per split."""
    name = phase_label(phase)
    label = f"{name}: best score by generation"
    tasks = [t for t in data.tasks if t.by_phase.get(phase)]
    if not tasks:
        return svg.empty(label, f"{name} phase not run")
    last = max(a.candidate.generation for t in tasks for a in t.by_phase[phase])
    thin, means = [], []
    for split in COLORS:
        lines = [(t, best_by_generation(t, phase, last)) for t in tasks if t.split == split]
        if not lines:
            continue
        for task, points in lines:
            thin.append(svg.Series(task.id, points, COLORS[split], 1.2, 0.35, legend=False))
        mean = [(float(g), sum(p[g][1] for _, p in lines) / len(lines)) for g in range(last + 1)]
        name = f"{SPLIT_NAMES[split]} mean ({len(lines)})"
        dash = "7 5" if split != "train" else ""  # keeps both visible where they coincide
        means.append(svg.Series(name, mean, COLORS[split], 3.0, dash=dash))
    return svg.line_chart(label, thin + means, "generation", (0.0, 1.0), lambda v: f"{v:.2f}")


def loss_curve(data: RunData) -> str:
    """Return the training loss by iteration, or a placeholder saying why there is none."""
    if not data.train_log:
        train = data.summary.get("train")
        skipped = train.get("skipped") if isinstance(train, Mapping) else None
        return svg.empty(
            "Training loss",
            f"training skipped: {skipped}" if skipped else "no training in this run",
        )
    points = [(float(i), loss) for i, loss in data.train_log]
    series = svg.Series("loss", points, PHASE_COLORS["train"], 2.2)
    return svg.line_chart("Training loss", [series], "iteration", None, lambda v: f"{v:.2f}")


def phase_times(data: RunData) -> str:
    """Return horizontal bars of wall time per phase, in loop order."""
    seconds = data.summary.get("seconds") or {}
    order = [p.name for p in PHASES]
    order += [k for k in seconds if k not in order]
    items = [
        (phase_label(k), float(seconds[k]), PHASE_COLORS.get(k, "#8a8f98"))
        for k in order
        if isinstance(seconds.get(k), (int, float))
    ]
    return svg.hbars("Time per phase", items, seconds_label)


def seconds_label(seconds: float) -> str:
    """Return a bar label: tenths of a second below 10 s, else the console's duration."""
    return f"{seconds:.1f}s" if seconds < 10 else duration(seconds)


def outcomes(data: RunData) -> str:
    """Return 100%-stacked bars of verdict statuses of every candidate, per phase."""
    counts = []
    shown = shown_phases(data.summary)
    for phase in shown:
        seen: Counter[str] = Counter(
            a.verdict.status for t in data.tasks for a in t.by_phase.get(phase.name) or []
        )
        counts.append(
            [seen[s] for s in STATUS_COLORS]
            + [sum(seen[s] for s in seen if s not in STATUS_COLORS)]
        )
    categories = [*STATUS_COLORS.items(), ("other", "#c9ced6")]
    groups = [p.label for p in shown]
    return svg.stacked_bars("Verdicts of all candidates", groups, categories, counts)
