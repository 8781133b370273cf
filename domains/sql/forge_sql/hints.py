"""Turn an engine error into feedback a model can act on (trusted side).

Adds where the error is ("line 1, column 8") when the message names a token found in the
query, and "did you mean ...?" for unknown tables and columns, from the task database's
real names.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence

_NEAR = re.compile(r'near "(?P<tok>[^"]*)": syntax error')
_NO_SUCH = re.compile(r"no such (?P<kind>column|table|function): (?P<name>[\w.$\"`\[\]]+)")


def explain_error(message: str, query: str, names: Mapping[str, Sequence[str]]) -> str:
    """Return ``message`` with a suggestion and the position of the offending token."""
    text = message.strip().rstrip(".")
    token = ""
    near = _NEAR.search(text)
    missing = _NO_SUCH.search(text)
    if near:
        token = near.group("tok")
    elif missing:
        token = missing.group("name")
        text += _suggestion(missing.group("kind"), token, names)
    where = _position(query, token) if token else ""
    return f"{text} {where}".strip()


def _suggestion(kind: str, name: str, names: Mapping[str, Sequence[str]]) -> str:
    """Return " (did you mean x?)", " (it is a column of t)" or ''."""
    if kind == "column":
        bare = name.split(".")[-1].strip('"`[]')
        owners = [t for t, cols in names.items() if bare.lower() in (c.lower() for c in cols)]
        if owners:
            return f" (it is a column of {', '.join(owners)}; check FROM, JOIN and aliases)"
    close = _suggest(kind, name, names)
    return f" (did you mean {close}?)" if close else ""


def _suggest(kind: str, name: str, names: Mapping[str, Sequence[str]]) -> str:
    """Return the closest real table or column name, or ''."""
    if kind == "table":
        pool = list(names)
    elif kind == "column":
        name = name.split(".")[-1]
        pool = sorted({c for cols in names.values() for c in cols})
    else:
        return ""
    close = difflib.get_close_matches(name.lower(), [p.lower() for p in pool], n=1, cutoff=0.6)
    if not close:
        return ""
    return next(p for p in pool if p.lower() == close[0])


def _position(query: str, token: str) -> str:
    """Return ``at line L, column C`` of the first whole-word occurrence of ``token``, or ''."""
    pattern = re.escape(token)
    if token[:1].isalnum() or token[:1] == "_":
        pattern = r"(?<![\w.])" + pattern
    match = re.search(pattern, query, re.IGNORECASE)
    if not match:
        return ""
    line = query.count("\n", 0, match.start()) + 1
    column = match.start() - (query.rfind("\n", 0, match.start()) + 1) + 1
    return f"at line {line}, column {column}"
