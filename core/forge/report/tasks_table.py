"""The per-task table of the HTML report. Candidate text is hostile input: all of it is escaped."""

from __future__ import annotations

import re
from html import escape

from forge.report.data import Row, RunData, TaskInfo, solved

MAX_CHARS = 4000
MAX_LINES = 120
MAX_FEEDBACK = 1500
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clip(text: str | None, max_chars: int = MAX_CHARS, max_lines: int = MAX_LINES) -> str:
    """Return ``text`` escaped for HTML, control characters removed, cut to a readable size."""
    text = _CONTROL.sub("", text or "")
    lines = text.split("\n")
    cut = ""
    if len(lines) > max_lines:
        cut = f"{len(lines) - max_lines} more lines"
        text = "\n".join(lines[:max_lines])
    if len(text) > max_chars:
        cut = f"{len(text) - max_chars} more characters"
        text = text[:max_chars]
    out = escape(text)
    return out + f'\n<span class="cut">… ({cut} not shown)</span>' if cut else out


def badge(row: Row | None) -> str:
    """Return a status badge with public (and hidden) test counts, or a dash without a candidate."""
    if row is None:
        return '<span class="muted">–</span>'
    kind = "ok" if solved(row) else ("partial" if row["passed"] or row["hidden_passed"] else "bad")
    count = f" {row['passed']}/{row['total']}" if row["total"] else ""
    if row["hidden_total"]:
        count += f" · hidden {row['hidden_passed']}/{row['hidden_total']}"
    return f'<span class="badge {kind}">{escape(str(row["status"]))}{count}</span>'


def _search_cell(task: TaskInfo, phase: str) -> str:
    """Return the best search score and the generation that first solved the task."""
    best = task.best(phase)
    if best is None:
        return '<span class="muted">–</span>'
    gen = task.solved_generation(phase)
    when = f'<span class="gen ok">solved at gen {gen}</span>' if gen is not None else ""
    n = len(task.by_phase[phase])
    count = f'<div class="small muted">{n} candidates</div>'
    return f'<span class="score">{best["score"]:.2f}</span> {when}{count}'


def _panel(title: str, row: Row) -> str:
    """Return one artifact panel: status, the artifact (or raw completion) and its feedback."""
    if row["artifact"] is not None:
        code = f"<pre>{clip(row['artifact'])}</pre>"
    else:
        note = '<div class="small muted">no artifact extracted; raw completion:</div>'
        code = f"{note}<pre>{clip(row['text'])}</pre>"
    feedback = row["feedback"] or row["verdict"].message
    fb = f'<pre class="feedback">{clip(feedback, MAX_FEEDBACK, 40)}</pre>' if feedback else ""
    gen = f" · gen {row['generation']}" if row["generation"] else ""
    return (
        f'<div class="panel"><div class="panel-head"><b>{escape(title)}</b>{escape(gen)} '
        f"{badge(row)}</div>{code}{fb}</div>"
    )


def _detail(task: TaskInfo, colspan: int) -> str:
    """Return the hidden-by-default row with before / best search / after artifacts."""
    shown: list[str | None] = []
    panels = []
    for title, row in (
        ("Before", task.first("before")),
        ("Best search", task.best("search")),
        ("After", task.first("after")),
        ("Best after+search", task.best("after_search")),
    ):
        if row is None or (title.startswith("Best") and row["artifact"] in shown):
            continue  # a search that found nothing new shows no second copy
        shown.append(row["artifact"])
        panels.append(_panel(title, row))
    body = "".join(panels) or '<p class="muted">No candidates stored.</p>'
    prompt = f'<pre class="prompt">{clip(task.prompt, 1500, 30)}</pre>' if task.prompt else ""
    return (
        f'<tr class="detail"><td colspan="{colspan}"><details><summary>artifacts and feedback'
        f'</summary>{prompt}<div class="panels">{body}</div></details></td></tr>'
    )


HEAD = ("Task", "Split", "Before", "Search best", "After", "After+search best")


def tasks_table(data: RunData) -> str:
    """Return the per-task ``<table>``: one summary row and one expandable detail row per task."""
    if not data.tasks:
        return '<p class="muted">No task results stored for this run.</p>'
    rows = []
    for task in data.tasks:
        split = {"train": "train", "heldout": "held-out"}.get(task.split, task.split)
        rows.append(
            f'<tr class="task {escape(task.split)}"><td class="tid">{escape(task.id)}</td>'
            f'<td><span class="split {escape(task.split)}">{escape(split)}</span></td>'
            f"<td>{badge(task.first('before'))}</td><td>{_search_cell(task, 'search')}</td>"
            f"<td>{badge(task.first('after'))}</td>"
            f"<td>{_search_cell(task, 'after_search')}</td></tr>"
        )
        rows.append(_detail(task, len(HEAD)))
    head = "".join(f"<th>{h}</th>" for h in HEAD)
    return (
        f'<table class="tasks"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )
