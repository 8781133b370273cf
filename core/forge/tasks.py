"""Resolve a ``--tasks`` value to tasks: a domain's built-in set, a file, or a named loader.

Named sets come from the ``register_task_loaders`` hook (``code:humaneval``) and accept a
slice: ``humaneval[40:48]``, ``humaneval[:5]``, ``humaneval[HumanEval/3,HumanEval/7]``. A spec
may name its domain (``code:humaneval``) and carry loader options after ``?``
(``gym:chain_sum?size=50``); the loader gets the spec without the domain prefix.
:func:`read_jsonl` is the one JSONL reader every domain uses: odd JSON (a 5,000-digit
number, 100,000-deep nesting, invalid UTF-8) gives a one-line TaskFormatError naming the
file and line, never an internal error.
"""

from __future__ import annotations

import json
import math
import random
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from forge.domain import Domain
from forge.errors import TaskFormatError, UnknownNameError, UsageError
from forge.plugins import PluginManager, get_manager
from forge.types import Task

if TYPE_CHECKING:
    from forge.config import RunConfig

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
    from forge.plugin_calls import load_tasks as guarded
    from forge.plugins import domain_label

    if source is None or Path(source).expanduser().exists():
        path = None if source is None else str(Path(source).expanduser())
        return guarded(domain_label(domain.name), lambda: domain.load_tasks(path))
    registry = (manager or get_manager()).registry()
    loaders = registry.loaders
    source = _strip_domain(source, domain.name, registry.domains)
    head = source.split("?", 1)[0]
    if head.endswith((".jsonl", ".json", ".yaml", ".yml", ".csv")) or "/" in head.split("[")[0]:
        raise TaskFormatError(f"Task file '{head}' does not exist.", "Check the path.")
    name, _ = parse_spec(head)
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
    owner = registry.loader_owner.get(key, "")
    what = f"task loader '{key}'" + (f" (plugin '{owner}')" if owner else "")
    return guarded(what, lambda: loaders[key](source))


def _strip_domain(source: str, domain: str, domains: object) -> str:
    """Return ``source`` without a leading ``<domain>:``; another installed domain's prefix is an error."""
    prefix, sep, rest = source.partition(":")
    if not sep:
        return source
    if prefix == domain:
        return rest
    if prefix in domains:  # type: ignore[operator]
        raise UsageError(
            f"Task source '{source}' belongs to the '{prefix}' domain, not '{domain}'.",
            f"Add --domain {prefix}.",
        )
    return source


def check_unique(tasks: Sequence[Task], where: str) -> None:
    """Raise TaskFormatError if two tasks share an id."""
    seen: set[str] = set()
    for t in tasks:
        if t.id in seen:
            raise TaskFormatError(
                f"Task id '{t.id}' appears twice in {where}.", "Task ids must be unique."
            )
        seen.add(t.id)


def split_tasks(
    tasks: Sequence[Task], heldout: Sequence[Task] | float, seed: int
) -> tuple[list[Task], list[Task]]:
    """Return ``(train, heldout)``: a seeded random fraction of ``tasks``, or the given held-out tasks.

    Given held-out tasks are removed from the training side when ids overlap, so a task is
    never both trained on and held out.
    """
    if not isinstance(heldout, (int, float)):
        ids = {t.id for t in heldout}
        return [t for t in tasks if t.id not in ids], list(heldout)
    order = list(tasks)
    random.Random(seed).shuffle(order)
    k = math.ceil(len(order) * float(heldout)) if heldout > 0 else 0
    if len(order) >= 2:
        k = min(max(k, 1 if heldout > 0 else 0), len(order) - 1)
    held_ids = {t.id for t in order[:k]}
    return [t for t in tasks if t.id not in held_ids], [t for t in tasks if t.id in held_ids]


def prepare_tasks(domain: Domain, config: RunConfig) -> tuple[list[Task], list[Task]]:
    """Load, split and limit the tasks ``config`` names (the same result on every call)."""
    tasks = load_tasks(domain, config.tasks.source)
    check_unique(tasks, config.tasks.source or f"the built-in {domain.name} tasks")
    held = config.tasks.heldout
    held_arg = held if isinstance(held, float) else load_tasks(domain, held)
    split_seed = config.seed if config.tasks.split_seed is None else config.tasks.split_seed
    train, heldout = split_tasks(tasks, held_arg, split_seed)
    if not isinstance(held, float) and len(train) < len(tasks):
        print(
            f"Note: {len(tasks) - len(train)} of the {len(tasks)} tasks from --tasks are also in "
            f"the held-out set; training uses the other {len(train)}.",
            file=sys.stderr,
        )
    if config.tasks.limit is not None:
        train = train[: config.tasks.limit]
    if config.tasks.heldout_limit is not None:
        heldout = heldout[: config.tasks.heldout_limit]
    if not train and not heldout:
        raise UsageError("No tasks to run.", "Check --tasks and the task limits in the config.")
    return train, heldout


MAX_JSON_DEPTH = 50
"""Deepest nesting a task line may have (lists and objects); the sandbox codec allows 100."""


def read_jsonl(path: str | Path, hint: str = "") -> list[tuple[int, object]]:
    """Return ``(line number, value)`` for every non-blank line of the JSONL file ``path``.

    Raises TaskFormatError (with ``hint`` appended) when the file is missing or unreadable,
    or a line is not JSON forge can hold; the message names the file and the line.
    """
    file = Path(path).expanduser()
    if not file.is_file():
        raise TaskFormatError(f"Task file '{path}' does not exist.", hint or "Check the path.")
    try:
        text = file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TaskFormatError(f"Cannot read task file '{path}': {exc}.", hint) from None
    return parse_jsonl(text, str(path), hint)


def parse_jsonl(text: str, name: str, hint: str = "") -> list[tuple[int, object]]:
    """Return ``(line number, value)`` for every non-blank line of JSONL ``text`` (called
    ``name`` in messages); see :func:`read_jsonl`."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            rows.append((number, parse_json_line(line, f"{name}:{number}", hint)))
    return rows


def parse_json_line(line: str, where: str, hint: str = "") -> object:
    """Return the JSON value on one line; ``where`` (``file:line``) starts every error."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise TaskFormatError(
            f"{where}: invalid JSON: {exc.msg} (column {exc.colno}).", hint
        ) from None
    except RecursionError:
        raise TaskFormatError(
            f"{where}: JSON nested more than {MAX_JSON_DEPTH} levels deep.", hint
        ) from None
    except ValueError:  # an integer literal past Python's int-to-str digit limit
        raise TaskFormatError(
            f"{where}: a number has too many digits (the limit is 4300).", hint
        ) from None
    problem = _problem(value)
    if problem:
        raise TaskFormatError(f"{where}: {problem}.", hint)
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


def _problem(value: object) -> str:
    """Say what forge cannot hold in a JSON value (too deep, a lone surrogate), or ''."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return "a string holds a lone surrogate (an escape like \\ud800), not text"
        elif isinstance(item, (list, dict)):
            if depth >= MAX_JSON_DEPTH:
                return f"JSON nested more than {MAX_JSON_DEPTH} levels deep"
            items = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((v, depth + 1) for v in items)
    return ""


def prepare_transfer(
    domain: Domain, config: RunConfig, train: Sequence[Task], heldout: Sequence[Task]
) -> list[Task]:
    """Return the transfer tasks ``config.tasks.transfer`` names (none when it is None).

    Transfer tasks are only measured; an id shared with a training or held-out task is an
    error, so no transfer task can be trained on and no result is counted twice.
    """
    source = config.tasks.transfer
    if source is None:
        return []
    tasks = load_tasks(domain, source)
    check_unique(tasks, source)
    taken = {t.id for t in (*train, *heldout)}
    clash = [t.id for t in tasks if t.id in taken]
    if clash:
        raise TaskFormatError(
            f"Transfer task '{clash[0]}' ({source}) is also a training or held-out task.",
            "Pick a transfer set from another source (tasks.transfer).",
        )
    return tasks
