"""``render(run_dir)``: write a run's ``report.html``, one self-contained file.

No server, CDN, script or external stylesheet: CSS is inlined and the charts are inline
SVG drawn in Python. Everything that came from a run (task ids, candidate text, config
values) is escaped before it reaches the page.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from forge import sanitize
from forge.phases import label as phase_label
from forge.report import charts
from forge.report.console import duration, shown_phases
from forge.report.data import RunData, load_run
from forge.report.style import CSS
from forge.report.tasks_table import tasks_table

HEADLINE = "hidden tests where tasks have them, else public"
KEY_SETTINGS = (
    "seed",
    "tasks.source",
    "search.population_size",
    "search.generations",
    "search.elites",
    "search.temperature",
    "train.iters",
    "train.rank",
    "train.learning_rate",
)
"""Config keys shown in the header; the full config sits in a collapsed list below them."""


def render(run_dir: Path) -> Path:
    """Write ``run_dir/report.html`` for a run folder and return its path.

    Works on finished and interrupted runs alike (phases not reached show as not run);
    raises StoreError when ``run_dir`` is not a run folder.
    """
    data = load_run(Path(run_dir))
    path = data.run_dir / "report.html"
    tmp = path.with_name("report.html.tmp")
    tmp.write_text(sanitize.printable(page(data)), encoding="utf-8", errors="replace")
    os.replace(tmp, path)  # a reader never sees half a report
    return path


def page(data: RunData) -> str:
    """Return the whole report page as an HTML string."""
    run_id = str(data.summary.get("run_id") or data.run_dir.name)
    searches = [p for p in shown_phases(data.summary) if p.kind == "search"]
    chart_cards = [
        ("Tasks solved by phase", charts.pass_rates(data)),
        *(
            (f"{p.label}: best score by generation", charts.search_progress(data, p.name))
            for p in searches
        ),
        ("Training loss", charts.loss_curve(data)),
        ("Time per phase", charts.phase_times(data)),
        ("Verdicts of all candidates", charts.outcomes(data)),
    ]
    cards = "".join(f'<div class="card"><h3>{escape(t)}</h3>{s}</div>' for t, s in chart_cards)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>forge run {escape(run_id)}</title><style>{CSS}</style></head><body><main>"
        f'{header(data, run_id)}<h2>Charts</h2><div class="charts">{cards}</div>'
        f"<h2>Tasks ({len(data.tasks)})</h2>{tasks_table(data)}"
        f"<footer>Written by forge report on {stamp}. Scores count "
        f"{escape(str(data.summary.get('headline') or HEADLINE))}."
        "</footer></main></body></html>\n"
    )


def header(data: RunData, run_id: str) -> str:
    """Return the title, the key numbers and the run's metadata list."""
    s = data.summary
    model = s.get("model")
    model_name = model.get("name", "?") if isinstance(model, Mapping) else str(model or "?")
    version = f" v{s['domain_version']}" if s.get("domain_version") else ""
    sub = (
        f"domain <b>{escape(str(s.get('domain') or '?'))}{escape(version)}</b> · "
        f"model <b>{escape(str(model_name))}</b>"
    )
    if s.get("derived"):
        sub += " · <b>interrupted run</b> (no summary.json; numbers rebuilt from the store)"
    if s.get("partial"):
        cut = ", ".join(str(p) for p in s["partial"])
        sub += f" · cut off during <b>{escape(cut)}</b> (its counts are partial)"
    return (
        f'<h1>forge run <code>{escape(run_id)}</code></h1><p class="sub">{sub}</p>'
        f"{kpis(s)}{meta(data, model)}"
    )


def _change(stats: Mapping[str, Any], first: str, last: str) -> tuple[str, str]:
    """Return a KPI value ``"2/5 → 3/5"`` and its change in percentage points."""
    a, b = stats.get(first), stats.get(last)
    if not isinstance(a, Mapping):
        return "–", "not run"
    text = f"{a.get('passed', 0)}/{a.get('total', 0)}"
    if not isinstance(b, Mapping):
        return text, f"{phase_label(last)} not run"
    text += f" → {b.get('passed', 0)}/{b.get('total', 0)}"
    pts = 100 * (_rate(b) - _rate(a))
    cls = "up" if pts > 0 else "down" if pts < 0 else ""
    return text, f'<span class="{cls}">{pts:+.0f} pts</span>'


def _rate(stats: Mapping[str, Any]) -> float:
    """Return passed/total of a phase's stats (0 when it has no tasks)."""
    total = stats.get("total") or 0
    return (stats.get("passed") or 0) / total if total else 0.0


def kpis(s: Mapping[str, Any]) -> str:
    """Return the row of headline numbers (values escaped; deltas are formatted numbers)."""
    train, held = s.get("phases") or {}, s.get("heldout") or {}
    cells = [
        ("Training · before → after", *_change(train, "before", "after")),
        ("Training · search → after+search", *_change(train, "search", "after_search")),
        ("Held-out · before → after", *_change(held, "before", "after")),
    ]
    pairs = s.get("pairs") or {}
    cells.append(
        ("Pairs", f"{pairs.get('repair', 0)} + {pairs.get('rehearsal', 0)}", "repair + rehearsal")
    )
    cells.append(("Training", *_train_kpi(s.get("train"))))
    total = s.get("total_seconds")
    cells.append(("Total time", duration(float(total or 0)), "wall clock"))
    return (
        '<div class="kpis">'
        + "".join(
            f'<div class="kpi"><div class="k">{escape(k)}</div><div class="v">{escape(v)}</div>'
            f'<div class="d">{d}</div></div>'
            for k, v, d in cells
        )
        + "</div>"
    )


def _train_kpi(train: Any) -> tuple[str, str]:
    """Return the training KPI value and detail line (detail escaped here)."""
    if not isinstance(train, Mapping):
        return "–", "not run"
    if train.get("skipped"):
        return "skipped", escape(str(train["skipped"]))
    bits = []
    if train.get("final_loss") is not None:
        first = train.get("first_loss", train.get("initial_loss"))
        start = f"{float(first):.2f} → " if first is not None else ""
        bits.append(f"loss {start}{float(train['final_loss']):.2f}")
    if train.get("tokens_per_s"):
        bits.append(f"{float(train['tokens_per_s']):.0f} tok/s")
    if train.get("peak_memory_mb"):
        bits.append(f"{float(train['peak_memory_mb']):.0f} MB peak")
    return f"{train.get('iters', 0)} iters", escape(" · ".join(bits))


def flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Return nested config dicts as ``{"search.generations": 3, ...}``."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def meta(data: RunData, model: Any) -> str:
    """Return the metadata list: folder, model, adapter, key settings, timings, full config."""
    s, flat = data.summary, flatten(data.config)
    model_text = (
        ", ".join(f"{k}={_short(v)}" for k, v in model.items() if v is not None)
        if isinstance(model, Mapping)
        else model
    )
    settings = ", ".join(f"{k}={flat[k]}" for k in KEY_SETTINGS if k in flat)
    seconds = s.get("seconds") or {}
    times = ", ".join(
        f"{k} {duration(float(v))}" for k, v in seconds.items() if isinstance(v, (int, float))
    )
    rows = [
        ("Run folder", str(data.run_dir)),
        ("Model", str(model_text or "?")),
        ("Adapter", str(s.get("adapter") or "none")),
        ("Settings", settings or "–"),
        ("Timings", times or "–"),
    ]
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    full = "".join(
        f"<dt>{escape(k)}</dt><dd>{escape(repr(v) if isinstance(v, str) else str(v))}</dd>"
        for k, v in flat.items()
    )
    config = (
        f'<details class="config"><summary>full config ({len(flat)} keys)</summary>'
        f'<dl class="meta">{full}</dl></details>'
        if flat
        else ""
    )
    return f'<dl class="meta">{items}</dl>{config}'


def _short(value: Any, limit: int = 40) -> str:
    """Return ``value`` as text, long ones (hashes, paths) cut to their first 12 characters."""
    text = str(value)
    return text if len(text) <= limit else text[:12] + "…"
