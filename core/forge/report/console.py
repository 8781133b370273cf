"""The console summary printed at the end of ``forge run`` (and by ``forge report``).

Plain text only: one block per task split (training, held-out) with a line per phase,
then one footer line with pairs, training and total time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from forge.phases import MEASURED, RUN, Phase

if TYPE_CHECKING:
    from forge.types import Attempt

BAR_CELLS = 10
LABEL_WIDTH = 14


def bar(passed: int, total: int, cells: int = BAR_CELLS) -> str:
    """Return a ``████░░░░░░`` bar of ``cells`` characters, filled in proportion."""
    filled = int(cells * passed / total + 0.5) if total > 0 else 0
    filled = max(0, min(cells, filled))
    return "█" * filled + "░" * (cells - filled)


def phase_line(label: str, passed: int, total: int, width: int = 4) -> str:
    """Return one phase line, e.g. ``'  Before:        2/5 ████░░░░░░  40%'``.

    ``width`` is the column width of the ``passed/total`` fraction, so lines of one block
    align; a zero ``total`` shows an empty bar and ``n/a`` instead of a percentage.
    """
    frac = f"{passed}/{total}".rjust(width)
    pct = f"{int(100 * passed / total + 0.5):>3}%" if total > 0 else " n/a"
    return f"  {label + ':':<{LABEL_WIDTH}}{frac} {bar(passed, total)} {pct}"


def summary_lines(summary: Mapping[str, Any]) -> list[str]:
    """Return the final console summary for a run's ``summary.json`` dict.

    Phases that were skipped or not reached (absent or null) print as ``not run``; the
    held-out block is left out when the run has no held-out tasks. An evaluation (a
    ``phase_list`` without ``train``, as ``forge eval`` writes) shows only the phases it
    runs, under "Tasks", and no pairs or training in the footer.
    """
    planned = summary.get("phase_list")
    evaluation = isinstance(planned, list) and "train" not in planned
    shown = shown_phases(summary)
    lines = (
        _block("Tasks" if evaluation else "Training tasks", summary.get("phases") or {}, shown)
        if shown or not summary.get("measure")
        else []
    )
    heldout = summary.get("heldout") or {}
    if any((_stats(heldout, p.name) or {}).get("total") for p in shown):
        lines += _block("Held-out tasks", heldout, shown)
    lines += measure_lines(summary.get("measure") or {})
    lines.append(_footer(summary, evaluation))
    return lines


def measure_lines(measure: Mapping[str, Any]) -> list[str]:
    """Return one line per finished measure phase and split, e.g.
    ``'  Measure, heldout: 50 tasks, 8 samples each: greedy 12.0%, pass@1 10.5%, ...'``."""
    from forge.measure import describe
    from forge.phases import label

    lines = []
    for phase, splits in measure.items():
        for split, block in (splits or {}).items():
            if isinstance(block, Mapping):
                lines.append(f"  {label(phase)}, {split}: {describe(block)}")
    return ["Measured (greedy and sampled answers)", *lines] if lines else []


def shown_phases(summary: Mapping[str, Any]) -> list[Phase]:
    """Return the measured phases a run planned (those of ``forge run`` for a run that does
    not say)."""
    planned = summary.get("phase_list")
    if not isinstance(planned, list):
        planned = list(RUN)
    return [p for p in MEASURED if p.name in planned]


def task_line(task_id: str, attempt: Attempt, heldout: bool) -> str:
    """Return one task's console line, e.g. ``'  fizzbuzz: 1/4 public tests, hidden 1/5  failed'``.

    ``PASS`` marks a solved task (every headline and public check passed); otherwise the
    verdict's status is shown.
    """
    v = attempt.verdict
    passed, total = v.headline()
    split = " [held-out]" if heldout else ""
    mark = "PASS" if attempt.solved else v.status
    hidden = f", hidden {passed}/{total}" if v.hidden else ""
    return f"  {task_id}{split}: {v.passed}/{v.total} public tests{hidden}  {mark}"


def _stats(phases: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    """Return a phase's stats dict, or None when the phase is absent, null or malformed."""
    stats = phases.get(key)
    return stats if isinstance(stats, Mapping) else None


def _block(title: str, phases: Mapping[str, Any], shown: Sequence[Phase] = MEASURED) -> list[str]:
    """Return the heading and one line per phase in ``shown`` for one task split."""
    present = [(p.label, _stats(phases, p.name)) for p in shown]
    totals = [int(s.get("total", 0)) for _, s in present if s]
    heading = f"{title} ({max(totals)})" if totals else title
    width = max([4] + [len(f"{t}/{t}") for t in totals])
    lines = [heading]
    for label, stats in present:
        if stats is None:
            lines.append(f"  {label + ':':<{LABEL_WIDTH}}{' ' * (width - 3)}not run")
        else:
            passed, total = int(stats.get("passed", 0)), int(stats.get("total", 0))
            lines.append(phase_line(label, passed, total, width))
    return lines


def _footer(summary: Mapping[str, Any], evaluation: bool = False) -> str:
    """Return ``Pairs: ... · Training: ... · Time: ...`` (only the time for an evaluation)."""
    pairs = summary.get("pairs") or {}
    parts = []
    if not evaluation:
        parts.append(
            f"Pairs: {pairs.get('repair', 0)} repair + {pairs.get('rehearsal', 0)} rehearsal"
        )
        parts.append(f"Training: {_training(summary.get('train'))}")
    total = summary.get("total_seconds")
    if total is None:
        total = sum(v for v in (summary.get("seconds") or {}).values() if v)
    parts.append(f"Time: {duration(float(total))}")
    return " · ".join(parts)


def _training(train: Any) -> str:
    """Return the training part of the footer: iterations and loss, or why it was skipped."""
    if not isinstance(train, Mapping):
        return "not run"
    if train.get("skipped"):
        return f"skipped ({train['skipped']})"
    text = f"{train.get('iters', 0)} iters"
    final = train.get("final_loss")
    first = train.get("first_loss", train.get("initial_loss"))
    if final is not None and first is not None:
        text += f", loss {float(first):.2f} -> {float(final):.2f}"
    elif final is not None:
        text += f", loss {float(final):.2f}"
    return text


def duration(seconds: float) -> str:
    """Return a short human duration: ``42s``, ``3m55s``, ``1h02m``."""
    s = int(round(max(0.0, seconds)))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"
