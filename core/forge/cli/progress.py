"""Progress bars on stderr for long steps (generation, verification, training)."""

from __future__ import annotations

import sys
import time
from typing import Any

import click


class Bar:
    """A click progress bar that can be updated from callbacks and finished exactly once.

    When stderr is not a terminal (a log file, CI) click prints only the label; the bar then
    adds one line when it finishes, with the count reached and the seconds taken.
    """

    def __init__(self, label: str, total: int) -> None:
        self._bar: Any = click.progressbar(
            length=max(total, 1), label=f"  {label}", file=sys.stderr, show_pos=True, width=24
        )
        self._bar.__enter__()
        self._open = True
        self._label, self._total, self._done = label, total, 0
        self._start = time.perf_counter()

    def update(self, n: int) -> None:
        """Advance the bar by ``n`` steps."""
        if self._open and n > 0:
            self._bar.update(n)
            self._done += n

    def finish(self) -> None:
        """Close the bar (idempotent)."""
        if self._open:
            self._open = False
            self._bar.__exit__(None, None, None)
            if not _is_tty(sys.stderr):
                seconds = time.perf_counter() - self._start
                click.echo(
                    f"  {self._label}: {min(self._done, self._total)}/{self._total} "
                    f"in {seconds:.1f}s",
                    err=True,
                )


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def make_bar(label: str, total: int) -> Bar:
    """Return a new progress bar; used as ``Context.progress``."""
    return Bar(label, total)


_LOGGED: dict[str, int] = {}
"""Per stage, the last quarter of :func:`model_progress` written to a non-terminal stderr."""


def model_progress(stage: str, done: int, total: int) -> None:
    """Progress callback for model download/conversion: a one-line bar redrawn in place."""
    if total <= 0:
        click.echo(f"  {stage}...", err=True)
        return
    if not _is_tty(sys.stderr):  # a log: one line per quarter, not a redraw per chunk
        quarter = 4 * min(done, total) // total
        if quarter > _LOGGED.get(stage, -1) or (done >= total and _LOGGED.get(stage) != 4):
            _LOGGED[stage] = quarter
            click.echo(f"  {stage}: {100 * min(done, total) // total}%", err=True)
        if done >= total:
            _LOGGED.pop(stage, None)
        return
    width = 24
    filled = int(width * done / total)
    end = "\n" if done >= total else ""
    sys.stderr.write(
        f"\r  {stage}: [{'#' * filled}{'-' * (width - filled)}] {100 * done // total:3d}%{end}"
    )
    sys.stderr.flush()
