"""Find the SQL query in a model's completion."""

from __future__ import annotations

import re

_FENCE = re.compile(r"```[ \t]*([\w+-]*)[^\n]*\n(.*?)```", re.DOTALL)
_OPEN_FENCE = re.compile(r"```[ \t]*(sql|sqlite)[^\n]*\n(.*)\Z", re.DOTALL | re.IGNORECASE)
_SQL_TAGS = {"sql", "sqlite", "sqlite3", "postgresql", "postgres", "mysql", "tsql", "duckdb"}
_BARE = re.compile(r"\A\s*((?:SELECT|WITH)\b.*?)(?:\n\s*\n|\Z)", re.DOTALL | re.IGNORECASE)


def extract_query(text: str) -> str | None:
    """Return the query in ``text``, or None when there is none.

    Takes the first non-empty fenced block tagged as SQL, else the first untagged fenced
    block, else an unclosed ```sql block at the end (generation stopped early), else a bare
    answer that starts with SELECT or WITH (up to the first blank line).
    """
    blocks = [(tag.lower(), body.strip()) for tag, body in _FENCE.findall(text)]
    for wanted in (lambda t: t in _SQL_TAGS, lambda t: t == ""):
        for tag, body in blocks:
            if wanted(tag) and body:
                return body
    if not blocks:
        tail = _OPEN_FENCE.search(text)
        if tail and tail.group(2).strip():
            return tail.group(2).strip()
    bare = _BARE.match(text)
    return bare.group(1).strip() if bare else None


def answer_complete(text: str) -> bool:
    """Return True once ``text`` holds a closed fenced block with something in it."""
    return any(body.strip() for _tag, body in _FENCE.findall(text))
