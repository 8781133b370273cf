"""Child-side query execution: the function the sandbox runs for every SQL query.

``run_query`` opens a database file read-only, installs an authorizer that allows only
reads, turns the engine's own size limits down, executes one query and returns the rows
as plain data. It never decides pass or fail; the trusted side compares the rows. Wall
clock, CPU and memory are enforced from outside by the sandbox; the settings here are
extra layers, not the guard.
"""

from __future__ import annotations

import sqlite3
from typing import Any
from urllib.parse import quote

# Authorizer action codes that a read-only query needs; everything else is denied.
_ALLOWED_ACTIONS = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    getattr(sqlite3, "SQLITE_RECURSIVE", 33),
}
# Functions that reach outside the database or change the engine.
DENIED_FUNCTIONS = frozenset({"load_extension", "fts3_tokenizer", "readfile", "writefile", "edit"})
# Authorizer action codes 1..33 in SQLite's order, for messages.
_ACTION_NAMES = {
    code: name.replace("_", " ")
    for code, name in enumerate(
        (
            "CREATE_INDEX",
            "CREATE_TABLE",
            "CREATE_TEMP_INDEX",
            "CREATE_TEMP_TABLE",
            "CREATE_TEMP_TRIGGER",
            "CREATE_TEMP_VIEW",
            "CREATE_TRIGGER",
            "CREATE_VIEW",
            "DELETE",
            "DROP_INDEX",
            "DROP_TABLE",
            "DROP_TEMP_INDEX",
            "DROP_TEMP_TABLE",
            "DROP_TEMP_TRIGGER",
            "DROP_TEMP_VIEW",
            "DROP_TRIGGER",
            "DROP_VIEW",
            "INSERT",
            "PRAGMA",
            "READ",
            "SELECT",
            "TRANSACTION",
            "UPDATE",
            "ATTACH",
            "DETACH",
            "ALTER_TABLE",
            "REINDEX",
            "ANALYZE",
            "CREATE_VTABLE",
            "DROP_VTABLE",
            "FUNCTION",
            "SAVEPOINT",
            "RECURSIVE",
        ),
        start=1,
    )
}
_TRUSTED = "<trusted>"
# Engine limits (per connection): strings/blobs, query text, expression depth, attached files.
_LIMITS = {
    "SQLITE_LIMIT_LENGTH": 4_000_000,
    "SQLITE_LIMIT_SQL_LENGTH": 100_000,
    "SQLITE_LIMIT_EXPR_DEPTH": 200,
    "SQLITE_LIMIT_COMPOUND_SELECT": 100,
    "SQLITE_LIMIT_ATTACHED": 0,
    "SQLITE_LIMIT_FUNCTION_ARG": 64,
    "SQLITE_LIMIT_VARIABLE_NUMBER": 0,
}


def open_readonly(
    path: str = "", heap_mb: int = 0, image: bytes | None = None
) -> tuple[sqlite3.Connection, list[str]]:
    """Open a database read-only with limits and the read-only authorizer installed.

    Either ``path`` is opened ``mode=ro&immutable=1`` (it is never written), or ``image``
    (the file's bytes) is loaded into a private in-memory database, so the child needs no
    file access at all. Temp storage stays in memory and ``heap_mb`` (if set) caps
    SQLite's own heap as one more layer. Returns the connection and the list the
    authorizer appends denied actions to.
    """
    if image is not None:
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        conn.deserialize(image)
    else:
        uri = f"file:{quote(path)}?mode=ro&immutable=1"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    if hasattr(conn, "setlimit"):
        for name, value in _LIMITS.items():
            if hasattr(sqlite3, name):
                conn.setlimit(getattr(sqlite3, name), value)
    conn.execute("PRAGMA query_only = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA trusted_schema = OFF")
    if heap_mb:
        conn.execute(f"PRAGMA hard_heap_limit = {int(heap_mb) << 20}")
    denied: list[str] = []
    conn.set_authorizer(_authorizer(denied))
    return conn, denied


def _authorizer(denied: list[str]):
    """Return an authorizer callback allowing reads only; denials are recorded in ``denied``.

    While ``denied`` starts with the marker ``"<trusted>"`` (our own pragmas), everything
    is allowed and nothing is recorded.
    """

    def authorize(action: int, arg1: Any, arg2: Any, _db: Any, _trigger: Any) -> int:
        if denied[:1] == [_TRUSTED]:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_FUNCTION and str(arg2).lower() in DENIED_FUNCTIONS:
            denied.append(f"function {arg2}")
            return sqlite3.SQLITE_DENY
        if action in _ALLOWED_ACTIONS:
            return sqlite3.SQLITE_OK
        what = _ACTION_NAMES.get(action, f"action {action}")
        denied.append(" ".join(str(a) for a in (what, arg1) if a))
        return sqlite3.SQLITE_DENY

    return authorize


def fetch(conn: sqlite3.Connection, query: str, max_rows: int) -> dict[str, Any]:
    """Execute ``query`` and return ``{"columns", "rows", "truncated"}`` (at most ``max_rows`` rows)."""
    cursor = conn.execute(query)
    columns = [d[0] for d in cursor.description or ()]
    rows = cursor.fetchmany(max_rows + 1)
    cursor.close()
    return {
        "columns": columns,
        "rows": [list(r) for r in rows[:max_rows]],
        "truncated": len(rows) > max_rows,
    }


def reverse_scans(conn: sqlite3.Connection, denied: list[str]) -> None:
    """Turn on SQLite's reverse_unordered_selects (our own pragma, let through the authorizer).

    ``denied`` is the list :func:`open_readonly` returned with the connection.
    """
    denied.insert(0, _TRUSTED)
    try:
        conn.execute("PRAGMA reverse_unordered_selects = ON")
    finally:
        denied.pop(0)


def run_query(payload: dict[str, Any]) -> dict[str, Any]:
    """Run one query; called in a sandbox child with ``{"db", "query", "max_rows", ...}``.

    ``db`` is a file path, or ``db_image`` the database's bytes. Optional keys: ``check_order`` (also run with unordered scans reversed and return those
    rows as ``"reversed"`` when they differ) and ``heap_mb``. Returns ``{"ok": True,
    "columns", "rows", "truncated", "reversed"}`` or ``{"ok": False, "error", "message",
    "denied"}`` for an engine error or refusal.
    """
    conn, denied = open_readonly(
        payload.get("db", ""), int(payload.get("heap_mb", 0)), payload.get("db_image")
    )
    max_rows = int(payload.get("max_rows", 1000))
    try:
        result = fetch(conn, payload["query"], max_rows)
        result["reversed"] = None
        if payload.get("check_order"):
            reverse_scans(conn, denied)
            again = fetch(conn, payload["query"], max_rows)
            if again != {k: v for k, v in result.items() if k != "reversed"}:
                result["reversed"] = again["rows"]
        return {"ok": True, **result}
    except (sqlite3.Error, ValueError, OverflowError, MemoryError) as exc:
        return {
            "ok": False,
            "error": type(exc).__name__,
            "message": str(exc),
            "denied": list(denied),
        }
    finally:
        conn.close()
