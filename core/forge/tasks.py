"""Resolve a ``--tasks`` value to tasks: a domain's built-in set, a file, or a named loader.

Named sets come from the ``register_task_loaders`` hook (``code:humaneval``) and accept a
slice: ``humaneval[40:48]``, ``humaneval[:5]``, ``humaneval[HumanEval/3,HumanEval/7]``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from forge.domain import Domain
from forge.errors import TaskFormatError, UnknownNameError
from forge.plugins import PluginManager, get_manager
from forge.types import Task

_SPEC = re.compile(r"^(?P<name>[A-Za-z0-9_.\-]+)(?:\[(?P<sel>[^\]]*)\])?$")


def parse_spec(spec: str) -> tuple[str, str | None]:
    """Split ``name[selection]`` into ``(name, selection)``; selection is None without brackets."""
    m = _SPEC.match(spec.strip())
    if not m:
        raise TaskFormatError(
            f"Task source '{spec}' is not a file and not a named set.",
            "Use a path to a task file, or a name such as humaneval or 'humaneval[0:20]'.",
        )
    return m.group("name"), m.group("sel")


def select(tasks: Sequence[Task], selection: str | None, spec: str = "") -> list[Task]:
    """Return the tasks picked by ``selection``: ``a:b`` (a slice), ``i`` (an index) or ids ``x,y``."""
    if selection is None or selection.strip() == "":
        return list(tasks)
    sel = selection.strip()
    if re.fullmatch(r"-?\d*:-?\d*", sel):
        a, b = sel.split(":")
        return list(tasks[slice(int(a) if a else None, int(b) if b else None)])
    if re.fullmatch(r"-?\d+", sel):
        i = int(sel)
        if not -len(tasks) <= i < len(tasks):
            raise TaskFormatError(
                f"Task index {i} is out of range in '{spec}'.", f"The set has {len(tasks)} tasks."
            )
        return [tasks[i]]
    by_id = {t.id: t for t in tasks}
    wanted = [s.strip() for s in sel.split(",") if s.strip()]
    missing = [w for w in wanted if w not in by_id]
    if missing:
        raise UnknownNameError("task", missing[0], by_id, label="Available", extra_hint="")
    return [by_id[w] for w in wanted]


def load_tasks(
    domain: Domain, source: str | None, manager: PluginManager | None = None
) -> list[Task]:
    """Return the tasks for ``--tasks source`` in ``domain`` (None = the domain's built-in set).

    A path that exists goes to ``domain.load_tasks``; otherwise the name must be a task loader
    registered as ``"<domain>:<name>"``.
    """
    if source is None:
        return domain.load_tasks(None)
    if Path(source).expanduser().exists():
        return domain.load_tasks(str(Path(source).expanduser()))
    loaders = (manager or get_manager()).registry().loaders
    if source.endswith((".jsonl", ".json", ".yaml", ".yml", ".csv")) or "/" in source.split("[")[0]:
        raise TaskFormatError(f"Task file '{source}' does not exist.", "Check the path.")
    name, _ = parse_spec(source)
    key = f"{domain.name}:{name}"
    if key not in loaders:
        sets = sorted(k.split(":", 1)[1] for k in loaders if k.startswith(domain.name + ":"))
        raise UnknownNameError(
            "task set",
            name,
            sets,
            label=f"Named sets for '{domain.name}'",
            extra_hint="(or pass a path to a task file)",
        )
    return list(loaders[key](source))


def check_unique(tasks: Sequence[Task], where: str) -> None:
    """Raise TaskFormatError if two tasks share an id."""
    seen: set[str] = set()
    for t in tasks:
        if t.id in seen:
            raise TaskFormatError(
                f"Task id '{t.id}' appears twice in {where}.", "Task ids must be unique."
            )
        seen.add(t.id)
