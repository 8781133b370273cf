"""``forge run``, ``forge eval``, ``forge train`` and ``forge report`` (the loop's commands)."""

from __future__ import annotations

COMMANDS: list = []
