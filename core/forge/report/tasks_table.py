"""The per-task table of the HTML report. Candidate text is hostile input: all of it is escaped."""

from __future__ import annotations

import re
from html import escape

from forge.phases import Phase
from forge.report.console import shown_phases
from forge.report.data import RunData, TaskInfo
from forge.types import Attempt

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


def badge(attempt: Attempt | None) -> str:
    """Return a status badge with public (and hidden) test counts, or a dash without an attempt."""
    if attempt is None:
        return '<span class="muted">–</span>'
    v = attempt.verdict
    hidden_passed = sum(c.passed for c in v.hidden)
    kind = "ok" if attempt.solved else ("partial" if v.passed or hidden_passed else "bad")
    count = f" {v.passed}/{v.total}" if v.total else ""
    if v.hidden:
        count += f" · hidden {hidden_passed}/{len(v.hidden)}"
    return f'<span class="badge {kind}">{escape(str(v.status))}{count}</span>'


def _search_cell(task: TaskInfo, phase: str) -> str:
    """Return the best search score and the generation that first solved the task."""
    best = task.best(phase)
    if best is None:
        return '<span class="muted">–</span>'
    gen = task.solved_generation(phase)
    when = f'<span class="gen ok">solved at gen {gen}</span>' if gen is not None else ""
    n = len(task.by_phase[phase])
    count = f'<div class="small muted">{n} candidates</div>'
    return f'<span class="score">{best.score:.2f}</span> {when}{count}'


def _panel(title: str, attempt: Attempt) -> str:
    """Return one artifact panel: status, the artifact (or raw completion) and its feedback."""
    cand = attempt.candidate
    if cand.artifact is not None:
        code = f"<pre>{clip(cand.artifact)}</pre>"
    else:
        note = '<div class="small muted">no artifact extracted; raw completion:</div>'
        code = f"{note}<pre>{clip(cand.text)}</pre>"
    feedback = attempt.feedback or attempt.verdict.message
    fb = f'<pre class="feedback">{clip(feedback, MAX_FEEDBACK, 40)}</pre>' if feedback else ""
    gen = f" · gen {cand.generation}" if cand.generation else ""
    return (
        f'<div class="panel"><div class="panel-head"><b>{escape(title)}</b>{escape(gen)} '
        f"{badge(attempt)}</div>{code}{fb}</div>"
    )


def _detail(task: TaskInfo, colspan: int, phases: list[Phase]) -> str:
    """Return the hidden-by-default row with before / best search / after artifacts."""
    shown: list[str | None] = []
    panels = []
    for title, attempt in _detail_panels(task, phases):
        if attempt is None or (title.startswith("Best") and attempt.candidate.artifact in shown):
            continue  # a search that found nothing new shows no second copy
        shown.append(attempt.candidate.artifact)
        panels.append(_panel(title, attempt))
    body = "".join(panels) or '<p class="muted">No candidates stored.</p>'
    prompt = f'<pre class="prompt">{clip(task.prompt, 1500, 30)}</pre>' if task.prompt else ""
    return (
        f'<tr class="detail"><td colspan="{colspan}"><details><summary>artifacts and feedback'
        f'</summary>{prompt}<div class="panels">{body}</div></details></td></tr>'
    )


def _detail_panels(task: TaskInfo, phases: list[Phase]) -> list[tuple[str, Attempt | None]]:
    """Return (title, attempt) per shown phase: a single pass's answer, a search's best."""
    return [
        (p.label if p.kind == "single" else f"Best {p.label.lower()}", _pick(task, p))
        for p in phases
    ]


def _pick(task: TaskInfo, phase: Phase) -> Attempt | None:
    return task.first(phase.name) if phase.kind == "single" else task.best(phase.name)


def _cell(task: TaskInfo, phase: Phase) -> str:
    return (
        badge(task.first(phase.name)) if phase.kind == "single" else _search_cell(task, phase.name)
    )


def head(shown: list[Phase]) -> tuple[str, ...]:
    """Return the table's column titles for the phases shown."""
    return ("Task", "Split", *(p.label if p.kind == "single" else f"{p.label} best" for p in shown))


def tasks_table(data: RunData) -> str:
    """Return the per-task ``<table>``: one summary row and one expandable detail row per task."""
    if not data.tasks:
        return '<p class="muted">No task results stored for this run.</p>'
    shown = shown_phases(data.summary)
    columns = head(shown)
    rows = []
    for task in data.tasks:
        split = {"train": "train", "heldout": "held-out"}.get(task.split, task.split)
        cells = "".join(f"<td>{_cell(task, p)}</td>" for p in shown)
        rows.append(
            f'<tr class="task {escape(task.split)}"><td class="tid">{escape(task.id)}</td>'
            f'<td><span class="split {escape(task.split)}">{escape(split)}</span></td>'
            f"{cells}</tr>"
        )
        rows.append(_detail(task, len(columns), shown))
    titles = "".join(f"<th>{h}</th>" for h in columns)
    return f'<table class="tasks"><thead><tr>{titles}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
