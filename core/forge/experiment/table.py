"""The console table of an experiment: per split, each arm's mean with its interval, then
each arm's difference from the base arm with its interval."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forge.experiment.summary import metric_label
from forge.report.console import duration

SPLIT_TITLES = {"heldout": "Held-out", "transfer": "Transfer", "train": "Training"}


def percent(value: float, signed: bool = False) -> str:
    """Return a fraction as percent with one decimal (``+`` for positive differences)."""
    return f"{100 * value:+.1f}" if signed else f"{100 * value:.1f}"


def cell(block: Mapping[str, Any] | None, signed: bool = False) -> str:
    """Return ``'12.0 [8.0, 16.0]'`` for an interval block (``-`` when missing); a signed
    difference whose interval excludes zero is marked ``*``."""
    if not isinstance(block, Mapping):
        return "-"
    mean, lo, hi = (percent(block[k], signed) for k in ("mean", "lo", "hi"))
    mark = ("*" if block.get("excludes_zero") else " ") if signed else ""
    return f"{mean} [{lo}, {hi}]{mark}"


def table_lines(summary: Mapping[str, Any]) -> list[str]:
    """Return the whole table for an experiment ``summary`` (from :func:`analyse`)."""
    conf = int(round(100 * float(summary.get("confidence", 0.95))))
    status = summary.get("status") or {}
    lines = [
        f"Experiment {summary.get('experiment')}: seeds {summary.get('seeds')}, "
        f"{status.get('measured', 0)}/{status.get('total', 0)} arm x seed runs measured",
        f"Values in %, mean [{conf}% interval: bootstrap over tasks and seeds]; "
        "differences are paired by task and seed; * = interval excludes 0.",
    ]
    for split, info in (summary.get("splits") or {}).items():
        lines += ["", f"{SPLIT_TITLES.get(split, split)} tasks ({info.get('tasks', 0)})"]
        lines += _columns(_split_rows(summary, split))
    lines += ["", *_training_lines(summary)]
    missing = status.get("missing") or []
    if missing:
        lines.append(f"Not measured yet: {', '.join(missing)} (resume to finish them)")
    lines.append(f"Time: {duration(float(summary.get('total_seconds') or 0))} of run time")
    return lines


def _split_rows(summary: Mapping[str, Any], split: str) -> list[list[str]]:
    """Return one split's rows: a header, each arm's means, then each arm's difference."""
    metrics = list(summary.get("metrics") or [])
    results = (summary.get("results") or {}).get(split, {})
    diffs = (summary.get("differences") or {}).get(split, {})
    rows = [["arm", *(metric_label(m) for m in metrics), ""]]
    for arm in [a["name"] for a in summary.get("arms") or []]:
        block = results.get(arm)
        note = "not measured yet" if not block else ""
        if block and _partial(summary, block):
            note = f"{len(block['seeds'])} seeds"
        rows.append([arm, *(cell(block.get(m) if block else None) for m in metrics), note])
    if diffs:
        rows.append([f"difference from {summary.get('base_arm')}:"])
        for arm, block in diffs.items():
            rows.append([arm, *(cell(block.get(m), True) for m in metrics), ""])
    return rows


def _columns(rows: list[list[str]]) -> list[str]:
    """Return rows as aligned text: the first column left, the others right-aligned."""
    table = [r for r in rows if len(r) > 1]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    out = []
    for row in rows:
        if len(row) == 1:
            out.append(f"  {row[0]}")
            continue
        cells = [row[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(row[1:-1], widths[1:-1], strict=True)]
        out.append(("  " + "  ".join(cells) + ("  " + row[-1] if row[-1] else "")).rstrip())
    return out


def _partial(summary: Mapping[str, Any], block: Mapping[str, Any]) -> bool:
    return len(block.get("seeds") or []) < len(summary.get("seeds") or [])


def _training_lines(summary: Mapping[str, Any]) -> list[str]:
    """Return one line per trained arm: its recipe and method, examples and loss per seed."""
    lines = ["Training (per seed: examples by kind, loss first -> last, adapter kept)"]
    training = summary.get("training") or {}
    for arm in summary.get("arms") or []:
        if arm["kind"] == "base":
            continue
        what = f"{'+'.join(arm.get('recipe', []))}{' frontier' if arm.get('frontier') else ''}"
        control = f", answers of '{arm.get('of')}' shuffled" if arm["kind"] == "control" else ""
        per_seed = [
            f"seed {s}: {train_text(t)}" for s, t in (training.get(arm["name"]) or {}).items()
        ]
        lines.append(
            f"  {arm['name']:<14}{what}, {arm.get('method')}{control}; " + "; ".join(per_seed)
        )
    return lines


def train_text(t: Mapping[str, Any]) -> str:
    """Return one seed's training in a few words: examples by kind, loss, where it stopped."""
    examples = " ".join(f"{n} {k}" for k, n in (t.get("examples") or {}).items()) or "0"
    if t.get("skipped"):
        return f"{examples}, training skipped"
    text = examples
    if t.get("first_loss") is not None and t.get("final_loss") is not None:
        text += f", loss {t['first_loss']:.2f} -> {t['final_loss']:.2f}"
    if t.get("best_validation_loss") is not None:
        text += (
            f", kept iteration {t.get('best_iter')} (validation {t['best_validation_loss']:.2f})"
        )
    return text
