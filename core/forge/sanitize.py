"""Make untrusted values safe to judge, store, print and put in a report.

Everything a candidate's process produces (return values, exception messages, output)
is hostile input even after the sandbox's decoder rebuilt it as plain data: a
``10**5000`` cannot be turned into text (Python's int-to-str digit limit), a lone
surrogate (``'\\ud800'``) cannot be encoded as UTF-8 for SQLite or a terminal, terminal
escape sequences (cursor moves, OSC 52 clipboard writes) and direction controls would
act on the user's terminal, and a megabyte return value would be stored once per case.

* At the trust boundary -- where a domain turns a sandbox result into a
  :class:`~forge.types.Verdict` -- :func:`verdict` caps every value and cleans every text
  field; :func:`guard` wraps a domain's ``verify`` so that a failure while judging becomes
  an ``error`` verdict with the reason, never an exception.
* At the sinks -- console lines (:func:`echo`, :func:`terminal`), the run store
  (:func:`storable`) and the HTML report (:func:`printable`) -- what is still raw is made
  safe there.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

from forge.types import CaseResult, Verdict

MESSAGE_CHARS = 2000
NAME_CHARS = 200
VALUE_CHARS = 4096
MAX_INT_DIGITS = 4000  # below Python's default int-to-str limit of 4300 digits
_MAX_DEPTH = 40

_UNSAFE = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 and C1 controls (ESC, CSI, OSC, DEL); not \t, \n
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # direction controls
    "\u2028\u2029"  # line and paragraph separators
    "\ud800-\udfff"  # lone surrogates
)
_UNSAFE_LINE = re.compile(f"[\t\n{_UNSAFE}]")
_UNSAFE_TEXT = re.compile(f"[{_UNSAFE}]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class Shown(str):
    """A capped, printable stand-in for a value too large (or too odd) to keep whole.

    Its ``repr`` is the text itself, so feedback shows ``got=[1, 2, ... (1048576 items)]``
    rather than a quoted string.
    """

    def __repr__(self) -> str:
        return str(self)


def text(value: Any, limit: int | None = MESSAGE_CHARS, multiline: bool = False) -> str:
    """Return ``value`` as printable text: controls escaped (``\\x1b``), capped at ``limit``.

    Newlines and tabs are escaped too unless ``multiline``. Never raises.
    """
    if not isinstance(value, str):
        value = safe_repr(value, limit or MESSAGE_CHARS)
    cut = ""
    if limit is not None and len(value) > limit:
        cut = f"... ({len(value) - limit} more characters)"
        value = value[:limit]
    pattern = _UNSAFE_TEXT if multiline else _UNSAFE_LINE
    return pattern.sub(_escape, str.__str__(value)) + cut


def terminal(line: str) -> str:
    """Return ``line`` safe to print on a terminal (newlines kept, nothing else raw)."""
    return text(line, None, multiline=True)


def printable(page: str) -> str:
    """Return ``page`` (a whole file's text) with every unsafe character escaped."""
    return terminal(page)


def storable(value: str | None) -> str | None:
    """Return ``value`` encodable as UTF-8 (lone surrogates escaped), for the run store."""
    if value is None:
        return None
    return _SURROGATE.sub(_escape, str.__str__(value))


def echo(message: str = "", err: bool = False) -> None:
    """Print ``message`` like ``click.echo`` after :func:`terminal` (the console sink)."""
    import click

    click.echo(terminal(str(message)), err=err)


def safe_repr(value: Any, limit: int = VALUE_CHARS) -> str:
    """Return ``repr(value)`` for plain data, capped at about ``limit`` characters.

    Survives what ``repr`` does not: ints beyond the digit limit (shown as
    ``<int with 5001 digits>``), nesting deeper than 40 levels, unknown types.
    """
    out: list[str] = []
    _repr(value, out, [limit], 0)
    return "".join(out)


def _repr(value: Any, out: list[str], budget: list[int], depth: int) -> None:
    """Append a capped repr of ``value`` to ``out``; ``budget[0]`` is the characters left."""
    if budget[0] <= 0:
        return
    kind = type(value)
    if kind is Shown:
        piece = str.__str__(value)
    elif kind in (list, tuple, set, frozenset, dict) and depth >= _MAX_DEPTH:
        piece = "[...]"
    elif kind in (list, tuple, set, frozenset):
        _sequence(value, out, budget, depth)
        return
    elif kind is dict:
        _mapping(value, out, budget, depth)
        return
    elif kind is int:
        piece = int_text(value)
    elif kind in (str, bytes):
        piece = repr(value[: budget[0] + 1])
    elif kind in (bool, float, type(None)):
        piece = repr(value)
    else:
        piece = f"<{getattr(kind, '__name__', 'object')!s:.40}>"
    _put(piece, out, budget)


_EMPTY: dict[type, str] = {list: "[]", tuple: "()", set: "set()", frozenset: "frozenset()"}
_BRACKETS: dict[type, tuple[str, str]] = {
    list: ("[", "]"),
    tuple: ("(", ")"),
    set: ("{", "}"),
    frozenset: ("{", "}"),
}


def _sequence(value: Any, out: list[str], budget: list[int], depth: int) -> None:
    kind: type = type(value)
    if not value:
        _put(_EMPTY[kind], out, budget)
        return
    head, tail = _BRACKETS[kind]
    _put(("frozenset(" if kind is frozenset else "") + head, out, budget)
    for i, item in enumerate(value):
        if budget[0] <= 0:
            _put(f"... ({len(value)} items)", out, [64])
            return
        if i:
            _put(", ", out, budget)
        _repr(item, out, budget, depth + 1)
    _put(("," if kind is tuple and len(value) == 1 else "") + tail, out, budget)
    _put(")" if kind is frozenset else "", out, budget)


def _mapping(value: dict[Any, Any], out: list[str], budget: list[int], depth: int) -> None:
    _put("{", out, budget)
    for i, (key, item) in enumerate(value.items()):
        if budget[0] <= 0:
            _put(f"... ({len(value)} items)", out, [64])
            return
        if i:
            _put(", ", out, budget)
        _repr(key, out, budget, depth + 1)
        _put(": ", out, budget)
        _repr(item, out, budget, depth + 1)
    _put("}", out, budget)


def _put(piece: str, out: list[str], budget: list[int]) -> None:
    if budget[0] <= 0:
        return
    if len(piece) > budget[0]:
        piece = piece[: budget[0]] + "..."
    out.append(piece)
    budget[0] -= len(piece)


def int_text(value: int) -> str:
    """Return ``str(value)``, or ``<int with N digits>`` past :data:`MAX_INT_DIGITS`."""
    bits = value.bit_length()
    if bits <= MAX_INT_DIGITS * 3.32:
        return str(value)
    digits = int(bits * 0.30102999566398120) + 1  # within one of the true count
    if abs(value) < 10 ** (digits - 1):
        digits -= 1
    return f"<int with {digits} digits>"


def value(item: Any, limit: int = VALUE_CHARS) -> Any:
    """Return ``item`` when it is small plain data, else a :class:`Shown` capped repr."""
    if _small(item, [limit], 0):
        return item
    return Shown(safe_repr(item, limit))


def _small(item: Any, budget: list[int], depth: int) -> bool:
    """True if ``item`` is plain, shallow, holds no huge int and fits in ``budget`` chars."""
    kind = type(item)
    if depth > _MAX_DEPTH:
        return False
    if kind in (list, tuple, set, frozenset):
        budget[0] -= 2 + 2 * len(item)
        return budget[0] >= 0 and all(_small(x, budget, depth + 1) for x in item)
    if kind is dict:
        budget[0] -= 2 + 4 * len(item)
        return budget[0] >= 0 and all(
            _small(k, budget, depth + 1) and _small(v, budget, depth + 1) for k, v in item.items()
        )
    if kind is int:
        budget[0] -= 4 + item.bit_length() // 3
        return budget[0] >= 0 and item.bit_length() <= MAX_INT_DIGITS * 3.32
    if kind in (str, bytes):
        budget[0] -= len(item) + 2
        return budget[0] >= 0
    budget[0] -= 8
    return kind in (bool, float, type(None)) and budget[0] >= 0


def case(result: CaseResult) -> CaseResult:
    """Return ``result`` with its text cleaned and its values capped."""
    return dataclasses.replace(
        result,
        name=text(result.name, NAME_CHARS),
        passed=result.passed is True,
        input=value(result.input),
        expected=value(result.expected),
        got=value(result.got),
        message=text(result.message, MESSAGE_CHARS),
    )


def verdict(result: Verdict) -> Verdict:
    """Return ``result`` safe to store and show: every case, message and extra value."""
    return dataclasses.replace(
        result,
        cases=tuple(case(c) for c in result.cases),
        message=text(result.message, MESSAGE_CHARS),
        isolation=tuple(text(x, NAME_CHARS) for x in result.isolation),
        extra={text(k, NAME_CHARS): value(v) for k, v in dict(result.extra).items()},
    )


def guard(judge: Callable[[], Verdict]) -> Verdict:
    """Return ``verdict(judge())``; a failure while judging becomes an ``error`` verdict.

    forge's own failures (:class:`~forge.errors.ForgeError`, such as a closed sandbox) are
    not a verdict on the answer and propagate.
    """
    from forge.errors import ForgeError

    try:
        return verdict(judge())
    except ForgeError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever the answer did, judging must go on
        reason = f"the answer could not be judged: {type(exc).__name__}: {text(str(exc), 300)}"
        return Verdict("error", message=reason)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0x09:
        return "\\t"
    if code == 0x0A:
        return "\\n"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
