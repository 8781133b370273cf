"""Turn SQL dumps written for another engine (PostgreSQL, MySQL, ...) into SQLite statements.

Used by the database builder for any database whose ``dialect`` is not ``sqlite``. Each
``CREATE TABLE``/``CREATE VIEW``/``INSERT`` is transpiled with sqlglot (schema qualifiers such
as ``public.`` are dropped); ``COPY ... FROM stdin`` data blocks (pg_dump's default) become
parameterised inserts; session settings, ownership, grants, sequences, indexes and
constraints added later are skipped, because SQLite needs none of them to answer queries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from forge.deadline import DeadlineExceeded, within
from forge.errors import TaskFormatError

PARSE_S = 5.0  # per statement; sqlglot is exponential on some input

_KEEP = re.compile(r"^\s*(CREATE\s+(TABLE|VIEW)|INSERT\s+INTO)\b", re.I)
_COPY = re.compile(
    r"^\s*COPY\s+(?P<table>[\w.\"]+)\s*(\((?P<cols>[^)]*)\))?\s+FROM\s+stdin", re.I | re.S
)
_BACKSLASH_DIALECTS = {"mysql", "mariadb", "bigquery", "spark", "hive", "databricks", "clickhouse"}
_COPY_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\", "b": "\b", "f": "\f", "v": "\v"}


@dataclass
class Statement:
    """One SQLite statement, with parameter rows when it is a bulk insert from a COPY block."""

    sql: str
    rows: list[list[str | None]] | None = None


def convert_dump(text: str, dialect: str, source: str = "dump") -> list[Statement]:
    """Return the SQLite statements that rebuild the tables and data of a ``dialect`` dump.

    Raises :class:`TaskFormatError` naming ``source`` and the statement when a statement
    that matters (a table, view or insert) cannot be transpiled.
    """
    out: list[Statement] = []
    backslash = dialect in _BACKSLASH_DIALECTS
    for stmt, data in split_statements(text, backslash):
        copy = _COPY.match(stmt)
        if copy:
            out.append(_copy_statement(copy, data, dialect))
        elif _KEEP.match(stmt):
            out.append(Statement(_transpile(stmt, dialect, source)))
    return out


def split_statements(text: str, backslash: bool = False) -> Iterator[tuple[str, list[str]]]:
    """Yield ``(statement, copy_data_lines)`` for each statement of a dump, comments removed.

    ``backslash``: string literals use backslash escapes (MySQL-style dumps).
    """
    i, n = 0, len(text)
    while i < n:
        stmt, i = _read_statement(text, i, backslash)
        data: list[str] = []
        if _COPY.match(stmt):
            end = text.find("\n\\.", i)
            block = text[i : end if end >= 0 else n]
            data = [line for line in block.split("\n") if line]
            i = n if end < 0 else end + 3
        if stmt.strip():
            yield stmt.strip(), data


def _read_statement(text: str, i: int, backslash: bool) -> tuple[str, int]:
    """Read from ``i`` to the next top-level ``;``; return the statement and the next index."""
    out, n = [], len(text)
    while i < n:
        ch = text[i]
        if text.startswith("--", i):
            i = _skip_to(text, "\n", i)
            continue
        if text.startswith("/*", i):
            i = _skip_to(text, "*/", i + 2)
            continue
        if ch in "'\"`":
            end = _skip_quoted(text, i, ch, backslash)
            out.append(text[i:end])
            i = end
            continue
        dollar = re.match(r"\$[A-Za-z_]*\$", text[i : i + 64]) if ch == "$" else None
        if dollar:
            end = _skip_to(text, dollar.group(0), i + len(dollar.group(0)))
            out.append(text[i:end])
            i = end
            continue
        if ch == ";":
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    return "".join(out), n


def _skip_to(text: str, marker: str, i: int) -> int:
    end = text.find(marker, i)
    return len(text) if end < 0 else end + len(marker)


def _skip_quoted(text: str, i: int, quote: str, backslash: bool) -> int:
    """Return the index after the quoted literal starting at ``i`` (doubled quotes escape)."""
    j = i + 1
    while j < len(text):
        if backslash and text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            if text.startswith(quote * 2, j):
                j += 2
                continue
            return j + 1
        j += 1
    return len(text)


def _transpile(stmt: str, dialect: str, source: str) -> str:
    """Transpile one statement to SQLite, dropping schema qualifiers, non-constant defaults and AUTO_INCREMENT."""
    try:
        tree = within(PARSE_S, sqlglot.parse_one, stmt, read=dialect)
    except DeadlineExceeded:
        raise TaskFormatError(
            f"{source}: this {dialect} statement is too complex to read: {stmt[:80]!r}",
            "Simplify it or give the database as SQLite.",
        ) from None
    except sqlglot.errors.SqlglotError as exc:
        first = str(exc).splitlines()[0]
        raise TaskFormatError(
            f"{source}: cannot read this {dialect} statement: {stmt[:80]!r} ({first})",
            "Remove it from the dump or give the database as SQLite.",
        ) from None
    for table in tree.find_all(exp.Table):
        table.set("db", None)
        table.set("catalog", None)
    for auto in list(tree.find_all(exp.AutoIncrementColumnConstraint)):
        if isinstance(auto.parent, exp.ColumnConstraint):
            auto.parent.pop()  # SQLite allows it only on an INTEGER PRIMARY KEY column
    for default in list(tree.find_all(exp.DefaultColumnConstraint)):
        if not isinstance(default.this, (exp.Literal, exp.Null, exp.Boolean, exp.Neg)):
            parent = default.parent
            if isinstance(parent, exp.ColumnConstraint):
                parent.pop()
    return tree.sql(dialect="sqlite")


def _copy_statement(match: re.Match[str], data: list[str], dialect: str) -> Statement:
    """Turn a ``COPY table (cols) FROM stdin`` block into one parameterised insert."""
    table = match.group("table").replace('"', "").split(".")[-1]
    cols = [c.strip().strip('"') for c in (match.group("cols") or "").split(",") if c.strip()]
    rows = [[_copy_value(v) for v in line.split("\t")] for line in data]
    width = len(cols) or (len(rows[0]) if rows else 0)
    names = f" ({', '.join(_quote(c) for c in cols)})" if cols else ""
    sql = f"INSERT INTO {_quote(table)}{names} VALUES ({', '.join('?' * width)})"
    return Statement(sql, rows)


def _copy_value(value: str) -> str | None:
    """Decode one COPY text-format field: ``\\N`` is NULL, backslash escapes are undone."""
    if value == "\\N":
        return None
    return re.sub(r"\\(.)", lambda m: _COPY_ESCAPES.get(m.group(1), m.group(1)), value)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
