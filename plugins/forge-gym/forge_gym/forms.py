"""The *form* of an answer (integer, decimal, fraction, yes/no, list, grid, text): prompts and feedback.

A task's form is read from its reference answer on the trusted side. Prompts name it
(``Answer: <an integer>``) and feedback compares the candidate's form with it ("should be a
grid of 4 rows") without ever showing the reference itself: for these tasks the answer *is*
the solution.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

_INTEGER = re.compile(r"[-+]?\d+")
_DECIMAL = re.compile(r"[-+]?(\d+\.\d*|\.\d+)")
_FRACTION = re.compile(r"[-+]?\d+\s*/\s*\d+")
_BOOLEANS = {"true", "false", "yes", "no"}


@dataclass(frozen=True)
class Form:
    """What an answer looks like: a kind, and a count (rows, items or words) where it has one."""

    kind: str
    count: int = 0
    width: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Return the form as plain data (stored in Task.data)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Any) -> Form | None:
        """Rebuild a form stored with :meth:`to_dict`; None for missing or malformed data."""
        if not isinstance(d, dict) or not isinstance(d.get("kind"), str):
            return None
        return cls(str(d["kind"]), int(d.get("count") or 0), int(d.get("width") or 0))

    @property
    def multiline(self) -> bool:
        """True when the answer spans several lines (it is asked for between answer tags)."""
        return self.kind == "grid"

    def phrase(self) -> str:
        """Return the form in words: ``an integer``, ``a grid of 3 rows``, ``a list of 4 items``."""
        if self.kind == "grid":
            return f"a grid of {self.count} rows with {self.width} values each"
        if self.kind == "list":
            return f"a list of {self.count} items"
        return {
            "integer": "an integer",
            "decimal": "a decimal number",
            "fraction": "a fraction",
            "boolean": "True or False" if self.width else "yes or no",
            "empty": "an empty answer",
        }.get(self.kind, "text")

    def placeholder(self) -> str:
        """Return the hint shown after ``Answer:`` in prompts."""
        return {
            "integer": "<integer>",
            "decimal": "<number>",
            "fraction": "<fraction>",
            "boolean": "True or False" if self.width else "yes or no",
            "list": "<list>",
        }.get(self.kind, "<answer>")


def describe(text: str) -> Form:
    """Return the form of ``text`` (a reference answer or a candidate)."""
    s = text.strip()
    lines = [line.split() for line in s.splitlines() if line.strip()]
    if not s:
        return Form("empty")
    if len(lines) > 1:
        return Form("grid", len(lines), max(len(row) for row in lines))
    for kind, pattern in (("integer", _INTEGER), ("decimal", _DECIMAL), ("fraction", _FRACTION)):
        if pattern.fullmatch(s):
            return Form(kind)
    if s.lower() in _BOOLEANS:
        return Form("boolean", width=int(s.lower() in ("true", "false")))
    if s.startswith("[") and s.endswith("]"):
        return Form("list", _count_items(s))
    return Form("text", len(s.split()))


def mismatch(expected: Form, got: Form) -> str:
    """Return a sentence saying how ``got`` differs in form from ``expected`` ("" when it does not)."""
    if expected.kind == "text":
        return ""  # free text: no reliable form to compare
    numbers = {"integer", "decimal", "fraction"}
    if expected.kind in numbers and got.kind in numbers:
        return "" if expected.kind == got.kind or expected.kind != "integer" else _should(expected)
    if expected.kind != got.kind:
        return _should(expected)
    if expected.kind == "grid" and (expected.count, expected.width) != (got.count, got.width):
        return f"{_should(expected)}; yours has {got.count} rows with up to {got.width} values"
    if expected.kind == "list" and expected.count != got.count:
        return f"{_should(expected)}; yours has {got.count}"
    return ""


def _should(expected: Form) -> str:
    return f"the answer should be {expected.phrase()}"


def _count_items(s: str) -> int:
    """Count the top-level items of a bracketed list (commas at depth 1, quotes respected)."""
    depth, items, quote, seen = 0, 0, "", False
    for ch in s:
        if quote:
            quote = "" if ch == quote else quote
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "[({":
            depth += 1
        elif ch in "])}":
            depth -= 1
        elif ch == "," and depth == 1:
            items += 1
        if depth >= 1 and not ch.isspace() and ch not in "[]":
            seen = True
    return items + 1 if seen else 0
