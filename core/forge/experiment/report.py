"""An experiment's ``report.html``: one self-contained page with error-bar charts and tables.

Per task split: each arm's mean with its interval, and each arm's difference from the base
arm with its interval (the chart that answers "did training help?"), the same numbers as
tables, what every arm trained on, and links to each run's own report. Everything from the
experiment (names, descriptions, config) is escaped.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from forge.experiment.summary import metric_label
from forge.experiment.table import SPLIT_TITLES, cell, train_text
from forge.report import svg
from forge.report.console import duration
from forge.report.style import CSS

COLORS = ("#8a9bb5", "#2f9e77", "#d0453a", "#3566d6", "#e0792b", "#7c4dcc", "#1d7a5c", "#b3a3d9")
EXTRA_CSS = """
table.results { border-collapse:collapse; background:var(--card); border:1px solid var(--line);
  border-radius:10px; overflow:hidden; margin:8px 0 0; font-variant-numeric:tabular-nums; }
table.results th, table.results td { padding:6px 12px; text-align:right; white-space:nowrap; }
table.results th:first-child, table.results td:first-child { text-align:left; }
table.results th { font-size:12px; color:var(--muted); background:#fafbfc; }
table.results tr + tr td { border-top:1px solid var(--line); }
td.sig { color:var(--ok); font-weight:650; } td.neg { color:var(--bad); font-weight:650; }
"""


def render(folder: Path, summary: Mapping[str, Any]) -> Path:
    """Write ``folder/report.html`` for an experiment ``summary`` and return its path."""
    path = folder / "report.html"
    tmp = path.with_name("report.html.tmp")
    tmp.write_text(page(summary), encoding="utf-8", errors="replace")
    os.replace(tmp, path)
    return path


def page(summary: Mapping[str, Any]) -> str:
    """Return the whole page as an HTML string."""
    name = escape(str(summary.get("experiment") or "experiment"))
    conf = int(round(100 * float(summary.get("confidence", 0.95))))
    status = summary.get("status") or {}
    sub = (
        f"seeds <b>{escape(str(summary.get('seeds')))}</b> · "
        f"<b>{status.get('measured', 0)}/{status.get('total', 0)}</b> arm × seed runs measured · "
        f"{conf}% intervals: bootstrap over tasks and seeds; differences paired by task and seed"
    )
    if status.get("missing"):
        sub += f" · <b>partial</b>: not yet measured {escape(', '.join(status['missing']))}"
    sections = "".join(split_section(summary, s) for s in summary.get("splits") or {})
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>forge experiment {name}</title><style>{CSS}{EXTRA_CSS}</style></head><body><main>"
        f'<h1>forge experiment <code>{name}</code></h1><p class="sub">{sub}</p>'
        f"{arms_table(summary)}{sections or '<p>No arm has been measured yet.</p>'}"
        f"{runs_table(summary)}"
        f"<footer>Written by forge experiment on {stamp}. Solved = every headline test "
        "passed (hidden tests where tasks have them). pass@k uses the unbiased estimator of "
        "Chen et al. (2021).</footer></main></body></html>\n"
    )


def _arm_colors(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    arms = [a["name"] for a in summary.get("arms") or []]
    return [(a, COLORS[i % len(COLORS)]) for i, a in enumerate(arms)]


def split_section(summary: Mapping[str, Any], split: str) -> str:
    """Return one split's heading, its two charts and its two tables."""
    metrics = list(summary.get("metrics") or [])
    groups = [metric_label(m) for m in metrics]
    results = (summary.get("results") or {}).get(split, {})
    diffs = (summary.get("differences") or {}).get(split, {})
    arms = _arm_colors(summary)
    means = [[_estimate(results.get(a, {}).get(m)) for m in metrics] for a, _ in arms]
    others = [(a, c) for a, c in arms if a in diffs]
    deltas = [[_estimate(diffs[a].get(m)) for m in metrics] for a, _ in others]
    title = SPLIT_TITLES.get(split, split)
    tasks = (summary.get("splits") or {}).get(split, {}).get("tasks", 0)
    base = escape(str(summary.get("base_arm")))
    charts = [
        (f"{title}: mean per arm (%)", svg.interval_bars(f"{title} means", groups, arms, means)),
        (
            f"{title}: difference from {summary.get('base_arm')} (points)",
            svg.interval_bars(f"{title} differences", groups, others, deltas, signed=True)
            if others
            else svg.empty("differences", "no trained arm measured yet"),
        ),
    ]
    cards = "".join(f'<div class="card"><h3>{escape(t)}</h3>{s}</div>' for t, s in charts)
    return (
        f"<h2>{escape(title)} tasks ({tasks})</h2><div class='charts'>{cards}</div>"
        f"{_table(results, metrics, False)}"
        f"<p class='small muted'>Difference from {base}, in points; green or red: the "
        "interval excludes zero.</p>"
        f"{_table(diffs, metrics, True)}"
    )


def _estimate(block: Any) -> tuple[float, float, float] | None:
    if not isinstance(block, Mapping):
        return None
    return float(block["mean"]), float(block["lo"]), float(block["hi"])


def _table(rows: Mapping[str, Any], metrics: Sequence[str], signed: bool) -> str:
    if not rows:
        return ""
    head = "".join(f"<th>{escape(metric_label(m))}</th>" for m in metrics)
    body = []
    for arm, block in rows.items():
        cells = []
        for m in metrics:
            b = block.get(m)
            cls = ""
            if signed and isinstance(b, Mapping) and b.get("excludes_zero"):
                cls = " class='sig'" if b["mean"] > 0 else " class='neg'"
            cells.append(f"<td{cls}>{escape(cell(b, signed))}</td>")
        seeds = len(block.get("seeds") or [])
        body.append(f"<tr><td>{escape(arm)} <span class='muted'>({seeds} seeds)</span></td>")
        body[-1] += "".join(cells) + "</tr>"
    return f"<table class='results'><tr><th>arm</th>{head}</tr>{''.join(body)}</table>"


def arms_table(summary: Mapping[str, Any]) -> str:
    """Return the list of arms: kind, recipe, method, and the training of each seed."""
    training = summary.get("training") or {}
    rows = []
    for arm in summary.get("arms") or []:
        what = "the base model, untrained"
        if arm["kind"] != "base":
            what = (
                f"{'+'.join(arm.get('recipe') or [])}{' (frontier)' if arm.get('frontier') else ''}"
            )
            what += f", {arm.get('method')}"
        if arm["kind"] == "control":
            what += f"; answers of '{arm.get('of')}' shuffled across tasks"
        per_seed = "; ".join(
            f"seed {s}: {train_text(t)}" for s, t in (training.get(arm["name"]) or {}).items()
        )
        rows.append(
            f"<tr><td>{escape(arm['name'])}</td><td>{escape(arm['kind'])}</td>"
            f"<td>{escape(what)}</td><td>{escape(arm.get('description') or '')}</td>"
            f"<td>{escape(per_seed)}</td></tr>"
        )
    head = "<tr><th>arm</th><th>kind</th><th>data, method</th><th>note</th><th>training</th></tr>"
    return f"<h2>Arms</h2><table class='results'>{head}{''.join(rows)}</table>"


def runs_table(summary: Mapping[str, Any]) -> str:
    """Return links to every run folder's own report, with its run time."""
    runs, seconds = summary.get("runs") or {}, summary.get("seconds") or {}
    rows = []
    for arm, by_seed in runs.items():
        for seed, rel in by_seed.items():
            secs = float((seconds.get(arm) or {}).get(seed) or 0)
            link = f"<a href='{escape(rel)}/report.html'>{escape(rel)}</a>"
            rows.append(
                f"<tr><td>{escape(arm)}</td><td>{escape(seed)}</td><td>{link}</td>"
                f"<td>{escape(duration(secs))}</td></tr>"
            )
    head = "<tr><th>arm</th><th>seed</th><th>run folder</th><th>run time</th></tr>"
    return f"<h2>Runs</h2><table class='results'>{head}{''.join(rows)}</table>"
