"""Gold results: run a task's trusted reference query and cache what it returns.

The gold query comes from the task file (trusted), so it runs in this process, through the
same read-only connection as candidates, with a progress-handler deadline as a guard
against a mistaken gold query. Results are cached per (query, database file); the file
name is its content hash, so the cache can never go stale.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

from forge.deadline import DeadlineExceeded, within
from forge.errors import TaskFormatError
from forge_sql.compare import multiset_diff
from forge_sql.runner import fetch, open_readonly, reverse_scans

GOLD_MAX_ROWS = 10_000
PARSE_S = 5.0  # sqlglot's time is exponential in some queries (JOINs without ON)
TOO_COMPLEX = f"the gold query is too complex for sqlglot to read in {PARSE_S:g}s"
GOLD_DEADLINE_S = 10.0
_cache: dict[tuple[str, str], GoldResult] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class GoldResult:
    """The gold query's output; ``order_stable`` is False when ORDER BY leaves ties."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    order_stable: bool = True


def is_ordered(query: str, where: str = "") -> bool:
    """Return True when the outermost query has an ORDER BY (so row order is part of the answer).

    Raises TaskFormatError when sqlglot cannot read ``query`` within :data:`PARSE_S`.
    """
    try:
        tree = within(PARSE_S, sqlglot.parse_one, query, read="sqlite")
    except DeadlineExceeded:
        raise TaskFormatError(f"{where}: {TOO_COMPLEX}.") from None
    except Exception:  # noqa: BLE001 - sqlglot may raise anything on odd text
        return False
    return isinstance(tree, exp.Query) and tree.args.get("order") is not None


def gold_result(query: str, db: Path, where: str = "") -> GoldResult:
    """Return the (cached) result of the trusted ``query`` on the database file ``db``.

    Raises TaskFormatError naming ``where`` if the query fails, returns more than
    GOLD_MAX_ROWS rows, or returns different rows when unordered scans are reversed.
    """
    key = (query, str(db))
    with _lock:
        if key in _cache:
            return _cache[key]
    result = _run(query, db, where)
    with _lock:
        _cache[key] = result
    return result


def _run(query: str, db: Path, where: str) -> GoldResult:
    conn, denied = open_readonly(str(db))
    deadline = time.monotonic() + GOLD_DEADLINE_S
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        first = fetch(conn, query, GOLD_MAX_ROWS)
        reverse_scans(conn, denied)
        second = fetch(conn, query, GOLD_MAX_ROWS)
    except Exception as exc:  # noqa: BLE001 - any failure of a gold query is a task error
        raise TaskFormatError(
            f"{where}: the gold query fails on {db.name}: {exc}.", "Fix the task's gold query."
        ) from None
    finally:
        conn.close()
    if first["truncated"]:
        raise TaskFormatError(f"{where}: the gold query returns more than {GOLD_MAX_ROWS} rows.")
    missing, extra = multiset_diff(first["rows"], second["rows"])
    if missing or extra:
        raise TaskFormatError(
            f"{where}: the gold query's rows depend on scan order (LIMIT after ties?).",
            "Add a tie-breaker to ORDER BY.",
        )
    return GoldResult(
        columns=tuple(first["columns"]),
        rows=tuple(tuple(r) for r in first["rows"]),
        order_stable=first["rows"] == second["rows"],
    )
