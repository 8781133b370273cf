"""Find the SQL query in a model's completion, in time linear in its length."""

from __future__ import annotations

import re

from forge.fences import fences

MAX_COMPLETION_CHARS = 100_000
TOO_LONG = "-- forge: completion too long"
TOO_LONG_MESSAGE = (
    f"The completion is longer than {MAX_COMPLETION_CHARS:,} characters, forge's limit: "
    "answer with one short ```sql block."
)
_SQL_TAGS = {"sql", "sqlite", "sqlite3", "postgresql", "postgres", "mysql", "tsql", "duckdb"}
_BARE_START = re.compile(r"\s*(?:SELECT|WITH)\b", re.IGNORECASE)
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")


def extract_query(text: str) -> str | None:
    """Return the query in ``text``, or None when there is none.

    Takes the first non-empty fenced block tagged as SQL, else the first untagged fenced
    block, else an unclosed ```sql block at the end (generation stopped early), else a bare
    answer that starts with SELECT or WITH (up to the first blank line). A completion over
    :data:`MAX_COMPLETION_CHARS` is not searched: it extracts to :data:`TOO_LONG`.
    """
    if len(text) > MAX_COMPLETION_CHARS:
        return TOO_LONG
    found = list(fences(text))
    blocks = [(tag, body.strip()) for tag, body, closed in found if closed]
    for wanted in (lambda t: t in _SQL_TAGS, lambda t: t == ""):
        for tag, body in blocks:
            if wanted(tag) and body:
                return body
    if not blocks:
        tail = next((b for t, b, closed in found if not closed and t in ("sql", "sqlite")), "")
        if tail.strip():
            return tail.strip()
    start = _BARE_START.match(text)
    if start is None:
        return None
    blank = _BLANK_LINE.search(text, start.end())
    return text[: blank.start() if blank else len(text)].strip() or None


def answer_complete(text: str) -> bool:
    """Return True once ``text`` holds a closed fenced block with something in it."""
    return any(closed and body.strip() for _tag, body, closed in fences(text))
