"""Read Verilog tasks from JSONL: a module to write, its ports, and the cases that check it.

Each line: ``{"id", "module", "description", "inputs", "outputs", "cases"}`` and optionally
``hidden`` (cases never shown to the model), ``clock`` (the clock input of a sequential
task), ``difficulty`` and ``reference`` (a known-good answer, used by tests). Ports are
``[name, width]``; a case is ``{"in": {input: value}, "out": {output: value}}``. For a
sequential task the cases are consecutive clock cycles, the hidden ones continuing after
the public ones. ``scripts/make_tasks.py`` writes the built-in set from Python models.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

from forge.errors import TaskFormatError
from forge.types import Task

REQUIRED = ("id", "module", "description", "inputs", "outputs", "cases")
HINT = "See forge_verilog/tasks.py for the format of a task line."
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
EXAMPLES_SHOWN = 4


def load(source: str | None) -> list[Task]:
    """Return the tasks in the JSONL file ``source``, or the built-in set when it is None."""
    if source is None:
        path = resources.files("forge_verilog") / "data" / "tasks.jsonl"
        text, where = path.read_text(encoding="utf-8"), "forge_verilog/data/tasks.jsonl"
    else:
        text, where = Path(source).read_text(encoding="utf-8"), source
    tasks: list[Task] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            tasks.append(_parse(line, f"{where}:{lineno}"))
    ids = [t.id for t in tasks]
    for task in tasks:
        if ids.count(task.id) > 1:
            raise TaskFormatError(f"{where}: task id '{task.id}' appears twice.")
    return tasks


def _parse(line: str, where: str) -> Task:
    """Turn one JSONL line into a Task, or raise TaskFormatError naming ``where``."""
    try:
        raw: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        raise TaskFormatError(f"{where}: not valid JSON ({exc.msg}).", HINT) from None
    if not isinstance(raw, dict):
        raise TaskFormatError(f"{where}: expected a JSON object.", HINT)
    missing = [k for k in REQUIRED if k not in raw]
    if missing:
        raise TaskFormatError(f"{where}: missing {', '.join(missing)}.", HINT)
    inputs, outputs = (
        _ports(raw["inputs"], where, "inputs"),
        _ports(raw["outputs"], where, "outputs"),
    )
    clock = raw.get("clock")
    if clock is not None and clock not in dict(inputs):
        raise TaskFormatError(f"{where}: clock '{clock}' is not one of the inputs.", HINT)
    driven = [n for n, _ in inputs if n != clock]
    data = {
        "module": _name(raw["module"], where, "module"),
        "inputs": inputs,
        "outputs": outputs,
        "clock": clock,
        "cases": _cases(raw["cases"], driven, outputs, where, "cases"),
        "hidden": _cases(raw.get("hidden", []), driven, outputs, where, "hidden"),
        "reference": raw.get("reference"),
    }
    return Task(
        id=str(raw["id"]),
        domain="verilog",
        prompt=prompt_text(str(raw["description"]), data),
        data=data,
        difficulty=int(raw.get("difficulty", 1)),
        source=where,
    )


def _name(value: Any, where: str, what: str) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise TaskFormatError(f"{where}: {what} name {value!r} is not a Verilog identifier.", HINT)
    return value


def _ports(value: Any, where: str, what: str) -> list[tuple[str, int]]:
    ok = (
        isinstance(value, list)
        and value
        and all(
            isinstance(p, list) and len(p) == 2 and type(p[1]) is int and 1 <= p[1] <= 64
            for p in value
        )
    )
    if not ok:
        raise TaskFormatError(f"{where}: '{what}' must be a list of [name, width 1-64].", HINT)
    return [(_name(n, where, "port"), w) for n, w in value]


def _cases(
    value: Any, inputs: list[str], outputs: list[tuple[str, int]], where: str, what: str
) -> list[dict[str, dict[str, int]]]:
    names = [n for n, _ in outputs]
    if not isinstance(value, list):
        raise TaskFormatError(f"{where}: '{what}' must be a list of cases.", HINT)
    for i, case in enumerate(value):
        ins, outs = (case.get("in"), case.get("out")) if isinstance(case, dict) else (None, None)
        good = (
            isinstance(ins, dict)
            and isinstance(outs, dict)
            and sorted(ins) == sorted(inputs)
            and sorted(outs) == sorted(names)
            and all(type(v) is int and v >= 0 for v in [*ins.values(), *outs.values()])
        )
        if not good:
            raise TaskFormatError(
                f"{where}: {what}[{i}] needs 'in' with {', '.join(inputs)} and 'out' with "
                f"{', '.join(names)}, each a non-negative integer.",
                HINT,
            )
    return [{"in": dict(c["in"]), "out": dict(c["out"])} for c in value]


def prompt_text(description: str, data: dict[str, Any]) -> str:
    """Return the task as the model reads it: the module, its ports, a few public cases."""
    ports = [*(("input", p) for p in data["inputs"]), *(("output", p) for p in data["outputs"])]
    listed = ", ".join(f"{d} " + (f"[{w - 1}:0] " if w > 1 else "") + n for d, (n, w) in ports)
    lines = [f"Write a Verilog module `{data['module']}`: {description}", f"Ports: {listed}."]
    if data["clock"]:
        lines.append(
            f"`{data['clock']}` is the clock; outputs are checked just after each rising edge."
        )
    shown = data["cases"][:EXAMPLES_SHOWN]
    label = "cycle" if data["clock"] else "example"
    for i, case in enumerate(shown, start=1):
        ins = " ".join(f"{k}={v}" for k, v in case["in"].items())
        outs = " ".join(f"{k}={v}" for k, v in case["out"].items())
        lines.append(f"{label.capitalize()} {i}: {ins} -> {outs}")
    return "\n".join(lines)
