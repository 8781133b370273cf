"""Read regex tasks from JSONL: one object per line with a description and example strings.

Each line: ``{"id", "description", "match", "reject"}`` and optionally ``hidden_match``,
``hidden_reject`` (never shown to the model; they catch patterns that only list the
examples), ``difficulty`` and ``reference`` (a known-good pattern, used by tests).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from forge.errors import TaskFormatError
from forge.types import Task

REQUIRED = ("id", "description", "match", "reject")
LIST_FIELDS = ("match", "reject", "hidden_match", "hidden_reject")


def builtin_text() -> tuple[str, str]:
    """Return ``(text, name)`` of the 20 tasks that ship with the plugin."""
    path = resources.files("forge_regex") / "data" / "tasks.jsonl"
    return path.read_text(encoding="utf-8"), "forge_regex/data/tasks.jsonl"


def load(source: str | None) -> list[Task]:
    """Return the tasks in the JSONL file ``source``, or the built-in set when it is None.

    Raises :class:`TaskFormatError` naming the file and line of the first malformed entry.
    """
    if source is None:
        text, where = builtin_text()
    else:
        text, where = Path(source).read_text(encoding="utf-8"), source
    tasks, seen = [], set()
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        task = _parse(line, f"{where}:{lineno}")
        if task.id in seen:
            raise TaskFormatError(f"{where}:{lineno}: task id '{task.id}' appears twice.")
        seen.add(task.id)
        tasks.append(task)
    return tasks


def _parse(line: str, where: str) -> Task:
    """Turn one JSONL line into a Task, or raise TaskFormatError naming ``where``."""
    hint = 'Each line needs "id", "description", "match" and "reject" (lists of strings).'
    try:
        raw: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        raise TaskFormatError(f"{where}: not valid JSON ({exc.msg}).", hint) from None
    if not isinstance(raw, dict):
        raise TaskFormatError(f"{where}: expected a JSON object.", hint)
    missing = [k for k in REQUIRED if k not in raw]
    if missing:
        raise TaskFormatError(f"{where}: missing {', '.join(missing)}.", hint)
    for key in LIST_FIELDS:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
            raise TaskFormatError(f"{where}: '{key}' must be a list of strings.", hint)
    data = {key: list(raw.get(key, [])) for key in LIST_FIELDS}
    data["reference"] = raw.get("reference")
    return Task(
        id=str(raw["id"]),
        domain="regex",
        prompt=prompt_text(raw["description"], data["match"], data["reject"]),
        data=data,
        difficulty=int(raw.get("difficulty", 1)),
        source=where,
    )


def prompt_text(description: str, match: list[str], reject: list[str]) -> str:
    """Return the task as the model reads it: the description, then the public examples."""
    return (
        f"Write a regular expression for {description}\n"
        f"It must match each of these whole strings: {', '.join(map(repr, match))}\n"
        f"It must not match any of these: {', '.join(map(repr, reject))}"
    )
