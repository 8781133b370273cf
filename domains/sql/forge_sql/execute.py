"""Run candidate queries in the sandbox and turn what comes back into outcomes (trusted side).

One :class:`Outcome` per (query, database): either the rows, or the verdict status and a
message. When the engine rejects a query's syntax, readings of the query in other
dialects (PostgreSQL, MySQL, T-SQL, DuckDB) are transpiled to SQLite with sqlglot and
tried; the engine is still the judge of every version.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlglot

from forge.deadline import DeadlineExceeded, within
from forge_sql.guard import PARSE_S, check_query

if TYPE_CHECKING:
    from forge.sandbox import Sandbox

RUNNER = "forge_sql.runner:run_query"
FOREIGN_DIALECTS = ("postgres", "mysql", "tsql", "duckdb")
MAX_IMAGE_BYTES = 64 << 20  # larger files are opened by path (needs file access)
_TRANSPILE_ON = re.compile(r"syntax error|no such function|unrecognized token|incomplete input")
_images: dict[str, bytes] = {}
_images_lock = threading.Lock()


@dataclass(frozen=True)
class Outcome:
    """What running one query on one database gave: ``status`` "ok" means ``rows`` hold data."""

    status: str
    message: str = ""
    columns: tuple[str, ...] = ()
    rows: list[list[Any]] = field(default_factory=list)
    truncated: bool = False
    reversed_rows: list[list[Any]] | None = None
    duration_s: float = 0.0
    isolation: tuple[str, ...] = ()


def db_payload(path: Path) -> dict[str, Any]:
    """Return the payload keys that give the child the database: its bytes when small, else its path."""
    if not hasattr(sqlite3.Connection, "deserialize") or path.stat().st_size > MAX_IMAGE_BYTES:
        return {"db": str(path)}
    key = str(path)
    with _images_lock:
        if key not in _images:
            _images[key] = path.read_bytes()
        return {"db_image": _images[key]}


def limits(wall_s: float = 4.0, memory_mb: int = 512) -> Any:
    """Return the sandbox limits for one query job (two executions: normal and reversed scans)."""
    from forge.sandbox import Limits

    return Limits(wall_s=wall_s, cpu_s=wall_s, memory_mb=memory_mb, result_bytes=4 << 20)


def run_queries(
    sandbox: Sandbox, query: str, databases: list[Path], max_rows: int, job_limits: Any = None
) -> list[Outcome]:
    """Run ``query`` on each database (in parallel lanes) and return one Outcome per database."""
    from forge.sandbox import Job

    job_limits = job_limits or limits()
    jobs = [
        Job(
            RUNNER,
            {
                "query": query,
                "max_rows": max_rows,
                "check_order": True,
                "heap_mb": max(64, job_limits.memory_mb // 2),
                **db_payload(db),
            },
            job_limits,
        )
        for db in databases
    ]
    return [_outcome(r) for r in sandbox.run_many(jobs)]


def _outcome(result: Any) -> Outcome:
    """Map a sandbox JobResult to an Outcome (sandbox statuses pass through)."""
    base = {"duration_s": result.duration_s, "isolation": tuple(result.isolation)}
    if result.status != "ok":
        return Outcome(result.status, result.message, **base)
    value = result.value
    if not isinstance(value, dict) or "ok" not in value:
        return Outcome("error", "the query runner returned nothing usable", **base)
    if not value["ok"]:
        denied = value.get("denied") or []
        if denied or "not authorized" in str(value.get("message", "")):
            what = ", ".join(dict.fromkeys(denied)) or value.get("message", "")
            return Outcome(
                "rejected", f"the engine refused it: {what} (only reads are allowed)", **base
            )
        message = str(value.get("message", ""))
        if value.get("error") == "MemoryError" or message == "out of memory":
            # SQLite's own heap limit: the memory layer where RLIMIT_AS is missing (macOS)
            return Outcome("memory", "SQLite ran out of memory", **base)
        return Outcome("error", message, **base)
    return Outcome(
        "ok",
        columns=tuple(value["columns"]),
        rows=value["rows"],
        truncated=bool(value["truncated"]),
        reversed_rows=value.get("reversed"),
        **base,
    )


def foreign_readings(query: str, message: str, limit: int = 2) -> list[tuple[str, str]]:
    """Return up to ``limit`` ``(dialect, sqlite_query)`` rewrites worth trying after ``message``.

    Only engine errors about syntax or unknown functions qualify; each rewrite must itself
    pass :func:`check_query`.
    """
    if not _TRANSPILE_ON.search(message):
        return []
    found: list[tuple[str, str]] = []
    seen = {query.strip().rstrip(";").strip()}
    for dialect in FOREIGN_DIALECTS:
        try:
            text = query.strip().rstrip(";")
            out = within(PARSE_S, sqlglot.transpile, text, read=dialect, write="sqlite")
        except (Exception, DeadlineExceeded):  # noqa: BLE001 - untrusted text, bounded time
            continue
        if len(out) != 1 or out[0] in seen or check_query(out[0]):
            continue
        seen.add(out[0])
        found.append((dialect, out[0]))
        if len(found) >= limit:
            break
    return found
