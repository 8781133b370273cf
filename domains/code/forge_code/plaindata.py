"""Plain data helpers: type checks, exact identity, tagged JSON and short reprs.

"Plain" means built exactly (no subclasses) from None, bool, int, float, str, bytes, list,
tuple, dict and set/frozenset. Test inputs, expected values and candidate results are plain.
"""

from __future__ import annotations

import math
from typing import Any

_SCALARS = (type(None), bool, int, float, str, bytes)
_MAX_DEPTH = 200


def is_plain(value: Any, depth: int = 0) -> bool:
    """Return True if ``value`` is plain data (exact builtin types, nested at most 200 deep)."""
    if depth > _MAX_DEPTH:
        return False
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind in (list, tuple, set, frozenset):
        return all(is_plain(v, depth + 1) for v in value)
    if kind is dict:
        return all(is_plain(k, depth + 1) and is_plain(v, depth + 1) for k, v in value.items())
    return False


def approx_size(value: Any, limit: int) -> int:
    """Return roughly how many bytes ``value`` takes as plain data; stops counting past ``limit``."""
    stack, total = [value], 0
    while stack and total <= limit:
        item = stack.pop()
        kind = type(item)
        if kind in (str, bytes):
            total += len(item) + 8
        elif kind in (list, tuple, set, frozenset):
            total += 8 * len(item) + 8
            stack.extend(item)
        elif kind is dict:
            total += 16 * len(item) + 8
            stack.extend(item.keys())
            stack.extend(item.values())
        else:
            total += 8 if kind is not int else 8 + item.bit_length() // 8
    return total


def identical(a: Any, b: Any) -> bool:
    """Return True if two plain values are the same data: same types all the way down.

    Floats must be equal exactly (two NaNs count as identical). Used to skip work when a
    candidate returned exactly what the reference returned.
    """
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return a == b or (math.isnan(a) and math.isnan(b))
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(identical(x, y) for x, y in zip(a, b, strict=False))
    if type(a) is dict:
        return a.keys() == b.keys() and all(identical(a[k], b[k]) for k in a)
    return bool(a == b)


def to_json(value: Any) -> Any:
    """Return ``value`` as JSON-ready data, tagging what JSON cannot hold (tuples, sets, ...)."""
    kind = type(value)
    if kind is float and not math.isfinite(value):
        return {"__float__": repr(value)}
    if kind in (type(None), bool, int, float, str):
        return value
    if kind is bytes:
        return {"__bytes__": value.hex()}
    if kind is list:
        return [to_json(v) for v in value]
    if kind is tuple:
        return {"__tuple__": [to_json(v) for v in value]}
    if kind in (set, frozenset):
        return {"__set__": [to_json(v) for v in sorted(value, key=repr)]}
    if kind is dict:
        if all(type(k) is str and not k.startswith("__") for k in value):
            return {k: to_json(v) for k, v in value.items()}
        return {"__dict__": [[to_json(k), to_json(v)] for k, v in value.items()]}
    raise TypeError(f"not plain data: {kind.__name__}")


TAGS = ("__float__", "__bytes__", "__tuple__", "__set__", "__dict__")


def from_json(value: Any) -> Any:
    """Rebuild a value written by :func:`to_json`; raise ValueError for a malformed tag.

    ``{"__tuple__": 5}``, ``{"__set__": [[1]]}`` (an unhashable member) or
    ``{"__bytes__": "zz"}`` are refused with a message saying what is wrong.
    """
    if type(value) is list:
        return [from_json(v) for v in value]
    if type(value) is not dict:
        return value
    if len(value) == 1:
        ((tag, inner),) = value.items()
        if tag in TAGS:
            return _tagged(tag, inner)
    return {k: from_json(v) for k, v in value.items()}


def _tagged(tag: str, inner: Any) -> Any:
    """Decode one tagged value (see :func:`from_json`)."""
    if tag == "__float__":
        if type(inner) is not str:
            raise ValueError(
                f'{{"__float__": ...}} needs a string such as "nan", not {_kind(inner)}'
            )
        try:
            return float(inner)
        except ValueError:
            raise ValueError(f'{{"__float__": {inner[:40]!r}}} is not a number') from None
    if tag == "__bytes__":
        if type(inner) is not str:
            raise ValueError(f'{{"__bytes__": ...}} needs a hex string, not {_kind(inner)}')
        try:
            return bytes.fromhex(inner)
        except ValueError:
            raise ValueError(f'{{"__bytes__": {inner[:40]!r}}} is not a hex string') from None
    if type(inner) is not list:
        raise ValueError(f'{{"{tag}": ...}} needs a list, not {_kind(inner)}')
    items = [from_json(v) for v in inner]
    if tag == "__tuple__":
        return tuple(items)
    try:
        if tag == "__set__":
            return set(items)
        if any(type(pair) is not list or len(pair) != 2 for pair in inner):
            raise ValueError('{"__dict__": ...} needs a list of [key, value] pairs')
        return {from_json(k): from_json(v) for k, v in inner}
    except TypeError as exc:
        raise ValueError(f'{{"{tag}": ...}} holds an unhashable key or member: {exc}') from None


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def short_repr(value: Any, limit: int = 80) -> str:
    """Return ``repr(value)`` cut to ``limit`` characters (with ``...``) for feedback lines."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - plain data always has a repr; be safe anyway
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."
