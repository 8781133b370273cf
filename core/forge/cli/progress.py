"""Progress bars on stderr for long steps (generation, verification, training)."""

from __future__ import annotations

import sys
from typing import Any

import click


class Bar:
    """A click progress bar that can be updated from callbacks and finished exactly once."""

    def __init__(self, label: str, total: int) -> None:
        self._bar: Any = click.progressbar(
            length=max(total, 1), label=f"  {label}", file=sys.stderr, show_pos=True, width=24
        )
        self._bar.__enter__()
        self._open = True

    def update(self, n: int) -> None:
        """Advance the bar by ``n`` steps."""
        if self._open and n > 0:
            self._bar.update(n)

    def finish(self) -> None:
        """Close the bar (idempotent)."""
        if self._open:
            self._open = False
            self._bar.__exit__(None, None, None)


def make_bar(label: str, total: int) -> Bar:
    """Return a new progress bar; used as ``Context.progress``."""
    return Bar(label, total)


def model_progress(stage: str, done: int, total: int) -> None:
    """Progress callback for model download/conversion: a one-line bar redrawn in place."""
    if total <= 0:
        click.echo(f"  {stage}...", err=True)
        return
    width = 24
    filled = int(width * done / total)
    end = "\n" if done >= total else ""
    sys.stderr.write(
        f"\r  {stage}: [{'#' * filled}{'-' * (width - filled)}] {100 * done // total:3d}%{end}"
    )
    sys.stderr.flush()
