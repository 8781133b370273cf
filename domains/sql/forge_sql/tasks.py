"""Task files for the sql domain: JSONL or YAML lists of questions with a gold query.

Fields of one task (see docs/domains/sql.md):
    id           unique id (default: ``<file stem>-<n>``)
    question     what the model must answer with one query
    database     a built-in name (``shop``), a ``.sql`` file (schema + seed, in ``dialect``),
                 a SQLite file (``.db``/``.sqlite``/``.sqlite3``), or a mapping
                 ``{schema: a.sql, seed: b.sql, dialect: postgres}`` / ``{sqlite: f.db}``
    gold         the reference query; expected results come from executing it
    dialect      dialect of ``gold`` and of the database SQL (default ``sqlite``)
    hidden_databases  optional list of more databases in the same forms: the same question
                 checked on other data (built-in databases bring their own)
    difficulty   1 (easy) .. 3 (hard); default 1
    order_matters  optional; default: True when the gold query ends with ORDER BY
Paths are relative to the task file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import sqlglot
import yaml

from forge.deadline import DeadlineExceeded, within
from forge.errors import TaskFormatError
from forge.tasks import parse_jsonl
from forge.types import Task
from forge_sql.databases import builtin_names, database_path, schema_text
from forge_sql.gold import PARSE_S, TOO_COMPLEX, gold_result, is_ordered

DOMAIN = "sql"
_FIELDS = {
    "id",
    "question",
    "database",
    "gold",
    "dialect",
    "hidden_databases",
    "difficulty",
    "order_matters",
}
_SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


def load_builtin() -> list[Task]:
    """Return the built-in tasks (package data ``data/tasks.yaml``), easiest first.

    Within a difficulty the databases take turns, so any prefix (``builtin[0:8]``, a quick
    run's first tasks) mixes all databases.
    """
    ref = resources.files("forge_sql") / "data" / "tasks.yaml"
    tasks = _parse_yaml(ref.read_text(encoding="utf-8"), Path("builtin"), "builtin")
    databases = list(dict.fromkeys(t.data["database"]["builtin"] for t in tasks))
    seen: dict[tuple[str, int], int] = {}
    order = {}
    for task in tasks:
        key = (task.data["database"]["builtin"], task.difficulty)
        seen[key] = seen.get(key, 0) + 1
        order[task.id] = (task.difficulty, seen[key], databases.index(key[0]))
    return sorted(tasks, key=lambda t: order[t.id])


def load_file(path: str | Path) -> list[Task]:
    """Return the tasks of a ``.jsonl``, ``.yaml`` or ``.yml`` file (TaskFormatError if malformed)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TaskFormatError(f"Cannot read task file {path}: {exc.strerror}.") from None
    except UnicodeDecodeError as exc:
        raise TaskFormatError(
            f"Cannot read task file {path}: it is not UTF-8 ({exc.reason})."
        ) from None
    if path.suffix == ".jsonl":
        return _parse_jsonl(text, path)
    if path.suffix in (".yaml", ".yml"):
        return _parse_yaml(text, path, f"file:{path}")
    raise TaskFormatError(f"Task file {path} has an unknown format.", "Use .jsonl, .yaml or .yml.")


def _parse_jsonl(text: str, path: Path) -> list[Task]:
    return _build_all(parse_jsonl(text, str(path)), path, f"file:{path}")


def _parse_yaml(text: str, path: Path, source: str) -> list[Task]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else []
    except yaml.YAMLError as exc:
        raise TaskFormatError(f"{path}: invalid YAML ({exc}).".replace("\n", " ")) from None
    except (RecursionError, ValueError):
        raise TaskFormatError(
            f"{path}: YAML nested too deeply or holding a number too large."
        ) from None
    finally:
        loader.dispose()
    if not isinstance(data, list):
        raise TaskFormatError(f"{path}: expected a list of tasks at the top level.")
    lines = [item.start_mark.line + 1 for item in node.value]
    return _build_all(list(zip(lines, data, strict=False)), path, source)


def _build_all(items: list[tuple[int, Any]], path: Path, source: str) -> list[Task]:
    tasks, seen = [], set()
    for n, (line_no, raw) in enumerate(items, 1):
        where = f"{path}:{line_no}"
        task = build_task(raw, path, n, where, source)
        if task.id in seen:
            raise TaskFormatError(f"{where}: duplicate task id '{task.id}'.")
        seen.add(task.id)
        tasks.append(task)
    if not tasks:
        raise TaskFormatError(f"{path}: no tasks found.")
    return tasks


def build_task(raw: Any, path: Path, n: int, where: str, source: str) -> Task:
    """Return one :class:`Task` from a raw mapping, resolving and checking its databases and gold."""
    if not isinstance(raw, Mapping):
        raise TaskFormatError(f"{where}: a task must be a mapping, got {type(raw).__name__}.")
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise TaskFormatError(
            f"{where}: unknown field '{unknown[0]}'.", f"Known: {', '.join(sorted(_FIELDS))}."
        )
    for key in ("question", "database", "gold"):
        if not raw.get(key):
            raise TaskFormatError(f"{where}: missing '{key}'.")
    _check_types(raw, where)
    dialect = str(raw.get("dialect", "sqlite")).lower()
    base = path.parent
    database = _database_spec(raw["database"], base, dialect, where)
    hidden = [_database_spec(d, base, dialect, where) for d in raw.get("hidden_databases") or []]
    if not hidden and "builtin" in database:
        hidden = [{"builtin": database["builtin"], "seed": "hidden"}]
    gold = _to_sqlite(str(raw["gold"]).strip(), dialect, where)
    order = raw.get("order_matters")
    data = {
        "question": str(raw["question"]).strip(),
        "gold": gold,
        "dialect": dialect,
        "database": database,
        "hidden_databases": hidden,
        "order_matters": is_ordered(gold, where) if order is None else bool(order),
        "schema": schema_text(database_path(database)),
    }
    for spec in [database, *hidden]:
        gold_result(gold, database_path(spec), where)
    return Task(
        id=str(raw.get("id") or f"{path.stem}-{n}"),
        domain=DOMAIN,
        prompt=data["question"],
        data=data,
        difficulty=raw.get("difficulty", 1),
        source=source,
    )


_TYPES: dict[str, tuple[type, ...]] = {
    "id": (str, int),
    "question": (str,),
    "gold": (str,),
    "dialect": (str,),
    "hidden_databases": (list,),
    "order_matters": (bool, type(None)),
}


def _check_types(raw: Mapping[str, Any], where: str) -> None:
    """Raise TaskFormatError naming the first field of the wrong type."""
    for key, types in _TYPES.items():
        value = raw.get(key)
        if key in raw and type(value) not in types:  # bool is not int here: type(True) is bool
            if not (value is None and key in ("id", "hidden_databases")):
                names = " or ".join("null" if t is type(None) else t.__name__ for t in types)
                raise TaskFormatError(f"{where}: '{key}' must be {names}, not {_kind(value)}.")
    difficulty = raw.get("difficulty", 1)
    if type(difficulty) is not int or not 1 <= difficulty <= 3:
        raise TaskFormatError(f"{where}: 'difficulty' must be 1, 2 or 3, not {difficulty!r:.40}.")


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _database_spec(value: Any, base: Path, dialect: str, where: str) -> dict[str, Any]:
    """Return the plain-data database spec for a task's ``database`` value."""
    if isinstance(value, str) and value in builtin_names():
        return {"builtin": value, "seed": "seed"}
    if isinstance(value, str):
        file = (base / value).resolve()
        if file.suffix in _SQLITE_SUFFIXES:
            return {"sqlite": str(file)}
        if file.suffix == ".sql":
            return {"sql": [str(file)], "dialect": dialect}
    if isinstance(value, Mapping) and all(type(v) is str for v in value.values()):
        if "builtin" in value:
            return {"builtin": str(value["builtin"]), "seed": str(value.get("seed", "seed"))}
        if "sqlite" in value:
            return {"sqlite": str((base / value["sqlite"]).resolve())}
        files = [value[k] for k in ("schema", "seed") if value.get(k)]
        if files:
            sub = str(value.get("dialect", dialect)).lower()
            return {"sql": [str((base / f).resolve()) for f in files], "dialect": sub}
    raise TaskFormatError(
        f"{where}: cannot use database {value!r}.",
        f"Give a built-in name ({', '.join(builtin_names())}), a .sql or .sqlite file, "
        "or {schema: ..., seed: ...}.",
    )


def _to_sqlite(query: str, dialect: str, where: str) -> str:
    """Return the gold query in SQLite's dialect (unchanged when it already is SQLite)."""
    if dialect == "sqlite":
        return query
    try:
        return within(PARSE_S, sqlglot.transpile, query, read=dialect, write="sqlite")[0]
    except DeadlineExceeded:
        raise TaskFormatError(f"{where}: {TOO_COMPLEX}.") from None
    except (sqlglot.errors.SqlglotError, IndexError, ValueError) as exc:
        raise TaskFormatError(
            f"{where}: cannot transpile the gold query from {dialect}: {exc}."
        ) from None


def slice_spec(spec: str) -> tuple[str, slice]:
    """Split ``"name[a:b]"`` into ``("name", slice(a, b))``; no brackets means everything."""
    match = re.fullmatch(r"\s*([\w.-]+)\s*(?:\[(-?\d*):(-?\d*)\])?\s*", spec)
    if not match:
        raise TaskFormatError(f"Cannot read task spec '{spec}'.", "Use name or name[a:b].")
    start, stop = (int(g) if g else None for g in match.group(2, 3))
    return match.group(1), slice(start, stop)
