"""Static checks on a candidate query before it runs (trusted side).

Only one read-only query is allowed. This module explains refusals in words a model can
act on; it is not the guard by itself: the engine backs it (a read-only connection with
an authorizer, see :mod:`forge_sql.runner`), and sqlglot is used for structure only, never
as a syntax oracle: a query sqlglot cannot parse still goes to the engine, whose error is
the verdict.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import sqlglot
from sqlglot import exp

from forge.deadline import DeadlineExceeded, within
from forge_sql.runner import DENIED_FUNCTIONS

MAX_QUERY_CHARS = 20_000
PARSE_S = 0.5
MAX_NESTING = 64
_FIRST_WORD = re.compile(r"[A-Za-z_]+")
_WRITE_WORDS = {
    **dict.fromkeys(["insert", "update", "delete", "replace", "upsert", "merge"], "a write"),
    **dict.fromkeys(["create", "drop", "alter", "truncate"], "DDL"),
    **dict.fromkeys(["begin", "commit", "rollback", "savepoint", "release"], "a transaction"),
    **dict.fromkeys(
        ["attach", "detach", "pragma", "vacuum", "reindex", "analyze"], "an engine command"
    ),
    **dict.fromkeys(["explain", "copy", "set", "use", "grant", "load"], "not a query"),
}
_FORBIDDEN_NODES: tuple[type[exp.Expression], ...] = tuple(
    getattr(exp, name)
    for name in (
        "Insert",
        "Update",
        "Delete",
        "Merge",
        "Create",
        "Drop",
        "Alter",
        "TruncateTable",
        "Command",
        "Pragma",
        "Attach",
        "Detach",
        "Set",
        "Transaction",
        "Commit",
        "Rollback",
        "Use",
        "LoadData",
        "Copy",
        "Into",
    )
    if hasattr(exp, name)
)
_READ_ONLY = "Only a single read-only SELECT query is allowed"


def strip_comments(query: str) -> str:
    """Return ``query`` without SQL comments (string literals are kept as they are)."""
    out, i, n = [], 0, len(query)
    while i < n:
        if query.startswith("--", i):
            end = query.find("\n", i)
            i = n if end < 0 else end
        elif query.startswith("/*", i):
            end = query.find("*/", i + 2)
            i = n if end < 0 else end + 2
            out.append(" ")
        elif query[i] in "'\"`[":
            close = "]" if query[i] == "[" else query[i]
            end = query.find(close, i + 1)
            end = n if end < 0 else end + 1
            out.append(query[i:end])
            i = end
        else:
            out.append(query[i])
            i += 1
    return "".join(out)


def check_query(query: str) -> str | None:
    """Return why ``query`` is refused before running, or None if it may run.

    Refuses NUL bytes, very long or deeply nested text, more than one statement, and any
    statement or sub-statement (CTEs included) that is not a read-only query.
    """
    if "\x00" in query:
        return f"{_READ_ONLY}; the query contains a NUL byte."
    if len(query) > MAX_QUERY_CHARS:
        return f"The query is longer than {MAX_QUERY_CHARS} characters."
    text = strip_comments(query).strip()
    depth = _max_nesting(text)
    if depth > MAX_NESTING:
        return f"The query nests parentheses {depth} deep (at most {MAX_NESTING})."
    statements = [s for s in split_top_level(text) if s.strip()]
    if len(statements) > 1:
        return f"{_READ_ONLY}; found {len(statements)} statements separated by ';'."
    reason = _first_word_reason(text)
    if reason:
        return reason
    return _tree_reason(text)


def _max_nesting(text: str) -> int:
    depth = best = 0
    for ch in text:
        if ch == "(":
            depth += 1
            best = max(best, depth)
        elif ch == ")":
            depth -= 1
    return best


def split_top_level(text: str) -> list[str]:
    """Split comment-free SQL on ``;`` outside string literals and quoted names."""
    parts, start, i, n = [], 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "'\"`[":
            close = "]" if ch == "[" else ch
            end = text.find(close, i + 1)
            i = n if end < 0 else end + 1
            continue
        if ch == ";":
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return parts


@functools.lru_cache(maxsize=64)  # the checks parse the same query one after another
def parse(text: str, read: str = "sqlite") -> tuple[Any, ...]:
    """Return sqlglot's trees for untrusted ``text``, or () when it cannot parse it in time.

    sqlglot takes time exponential in some inputs (a chain of JOINs without ON), so each
    parse gets :data:`PARSE_S` seconds; a query it cannot read goes to the engine anyway.
    """
    try:
        return tuple(within(PARSE_S, sqlglot.parse, text, read=read))
    except (Exception, DeadlineExceeded):  # noqa: BLE001 - untrusted text; sqlglot may raise anything
        return ()


def _first_word_reason(text: str) -> str | None:
    """Refuse a statement whose first keyword is a write, DDL or engine command."""
    match = _FIRST_WORD.search(text.lstrip("( \t\r\n"))
    word = match.group(0).lower() if match else ""
    if word in _WRITE_WORDS:
        return f"{_READ_ONLY}; {word.upper()} ({_WRITE_WORDS[word]}) is not allowed."
    return None


def _tree_reason(text: str) -> str | None:
    """Look inside the parsed statement (CTEs and subqueries too) for anything but reads."""
    trees = parse(text.rstrip("; \t\r\n"))
    if not trees:
        return None  # the engine will say what is wrong
    for tree in trees:
        if tree is None:
            continue
        for node in tree.walk():
            if isinstance(node, _FORBIDDEN_NODES):
                kind = type(node).__name__.upper()
                return f"{_READ_ONLY}; found {kind} inside the query."
            if isinstance(node, exp.Func) and node.sql_name().lower() in DENIED_FUNCTIONS:
                return f"The function {node.sql_name().lower()}() is not allowed."
            if isinstance(node, exp.Anonymous) and str(node.name).lower() in DENIED_FUNCTIONS:
                return f"The function {str(node.name).lower()}() is not allowed."
    return None


_RANDOM_FUNCS = {"random", "randomblob", "rand", "changes", "total_changes", "last_insert_rowid"}
_CLOCK_NODES = tuple(
    getattr(exp, n) for n in ("CurrentTimestamp", "CurrentDate", "CurrentTime") if hasattr(exp, n)
)


def nondeterminism_reason(query: str) -> str | None:
    """Return why ``query``'s result could change from run to run (random, the clock), or None.

    Such a query could match the gold rows by luck, so it is refused. Queries whose result
    depends on the order rows are read in are caught at run time instead (scans reversed).
    """
    lowered = strip_comments(query).lower()
    if re.search(r"'now'|\"now\"", lowered):
        return "The query uses the current time ('now'); the data is fixed, use explicit dates."
    trees = parse(query.strip().rstrip(";"))
    for tree in trees:
        for node in tree.walk() if tree is not None else ():
            if isinstance(node, _CLOCK_NODES):
                return "The query uses the current time; the data is fixed, use explicit dates."
            if isinstance(node, exp.Func):
                name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
                if name in _RANDOM_FUNCS:
                    shown = "random" if name == "rand" else name
                    return f"The query uses {shown}(), so its result is not deterministic."
    if not trees and re.search(r"\b(random|randomblob)\s*\(", lowered):
        return "The query uses random(), so its result is not deterministic."
    return None
