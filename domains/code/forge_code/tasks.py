"""Load code tasks from JSONL files and the built-in set shipped in the package.

One task per line: ``{"id", "prompt", "entry_point", "tests": [{"input": [...], "expected": ...}]}``
with optional ``hidden_tests`` (same shape, never shown in feedback), ``difficulty`` (1-3),
``type`` and ``timeout_s``. Malformed input raises TaskFormatError naming the file and line.
"""

from __future__ import annotations

import keyword
from importlib import resources
from pathlib import Path
from typing import Any

from forge import tasks as forge_tasks
from forge.errors import TaskFormatError
from forge.tasks import read_jsonl
from forge.types import Task
from forge_code.plaindata import from_json

REQUIRED = ("id", "prompt", "entry_point", "tests")
LINE_HINT = "Each line needs id, prompt, entry_point, tests."
TESTS_HINT = 'Each test is {"input": [arguments...], "expected": value}.'
BUILTIN_FILE = "builtin_tasks.jsonl"


def load_builtin() -> list[Task]:
    """Return the 20 built-in tasks shipped inside the package."""
    text = resources.files("forge_code").joinpath("data").joinpath(BUILTIN_FILE).read_text("utf-8")
    return parse_jsonl(text, BUILTIN_FILE, source="builtin")


def load_file(path: str) -> list[Task]:
    """Return the tasks in the JSONL file at ``path``; raise TaskFormatError if it is malformed."""
    if not Path(path).expanduser().is_file():
        raise TaskFormatError(
            f"Task file '{path}' does not exist.",
            "Pass a JSONL file with one task per line, or --tasks humaneval.",
        )
    return _tasks(read_jsonl(path, LINE_HINT), str(path), source=str(path))


def parse_jsonl(text: str, name: str, source: str = "") -> list[Task]:
    """Parse JSONL ``text`` (called ``name`` in messages) into tasks; blank lines are skipped."""
    return _tasks(forge_tasks.parse_jsonl(text, name, LINE_HINT), name, source)


def _tasks(rows: list[tuple[int, Any]], name: str, source: str) -> list[Task]:
    """Build tasks from ``(line number, JSON value)`` rows; ids must be unique."""
    tasks: list[Task] = []
    first_line: dict[str, int] = {}
    for number, row in rows:
        where = f"{name}:{number}"
        task = _task(row, where, source)
        if task.id in first_line:
            raise TaskFormatError(
                f"{where}: duplicate id '{task.id}' (first on line {first_line[task.id]}).",
                "Task ids must be unique.",
            )
        first_line[task.id] = number
        tasks.append(task)
    if not tasks:
        raise TaskFormatError(f"{name}: no tasks (the file is empty).", LINE_HINT)
    return tasks


def _task(row: Any, where: str, source: str) -> Task:
    """Return the Task for one JSON row; ``where`` is ``file:line`` for messages."""
    if not isinstance(row, dict):
        raise TaskFormatError(
            f"{where}: expected a JSON object, got {type(row).__name__}.", LINE_HINT
        )
    for key in REQUIRED:
        if key not in row:
            raise TaskFormatError(f"{where}: missing key '{key}'.", LINE_HINT)
    _check_fields(row, where)
    data: dict[str, Any] = {
        "entry_point": row["entry_point"],
        "tests": _check_tests(row["tests"], "tests", where),
        "hidden_tests": _check_tests(
            row.get("hidden_tests", []), "hidden_tests", where, empty=True
        ),
    }
    for key in ("type", "timeout_s"):
        if key in row:
            data[key] = row[key]
    return Task(
        id=row["id"],
        domain="code",
        prompt=row["prompt"],
        data=data,
        difficulty=row.get("difficulty", 1),
        source=source,
    )


def _check_fields(row: dict[str, Any], where: str) -> None:
    """Raise TaskFormatError if id, prompt, entry_point or difficulty have the wrong shape."""
    if not isinstance(row["id"], str) or not row["id"].strip():
        raise TaskFormatError(f"{where}: 'id' must be a non-empty string.", LINE_HINT)
    if not isinstance(row["prompt"], str) or not row["prompt"].strip():
        raise TaskFormatError(f"{where}: 'prompt' must be a non-empty string.", LINE_HINT)
    entry = row["entry_point"]
    if not isinstance(entry, str) or not entry.isidentifier() or keyword.iskeyword(entry):
        raise TaskFormatError(
            f"{where}: 'entry_point' must be a Python function name, got {entry!r}.", LINE_HINT
        )
    difficulty = row.get("difficulty", 1)
    if type(difficulty) is not int or not 1 <= difficulty <= 3:
        raise TaskFormatError(f"{where}: 'difficulty' must be 1, 2 or 3.", LINE_HINT)
    timeout = row.get("timeout_s", 1.0)
    if type(timeout) not in (int, float) or not 0 < timeout <= 60:
        raise TaskFormatError(
            f"{where}: 'timeout_s' must be a number of seconds (0-60].", LINE_HINT
        )


def _check_tests(tests: Any, key: str, where: str, empty: bool = False) -> list[dict[str, Any]]:
    """Return ``tests`` as a list of ``{"input", "expected"}`` dicts or raise TaskFormatError."""
    if not isinstance(tests, list) or (not tests and not empty):
        raise TaskFormatError(f"{where}: '{key}' must be a non-empty list of tests.", TESTS_HINT)
    checked = []
    for i, test in enumerate(tests):
        if not isinstance(test, dict) or "input" not in test or "expected" not in test:
            raise TaskFormatError(f"{where}: {key}[{i}] needs 'input' and 'expected'.", TESTS_HINT)
        if not isinstance(test["input"], list):
            raise TaskFormatError(
                f"{where}: {key}[{i}].input must be a list of arguments, got "
                f"{type(test['input']).__name__}.",
                TESTS_HINT,
            )
        for part in ("input", "expected"):
            try:
                from_json(test[part])
            except ValueError as exc:
                raise TaskFormatError(f"{where}: {key}[{i}].{part}: {exc}.", TESTS_HINT) from None
        checked.append({"input": test["input"], "expected": test["expected"]})
    return checked
