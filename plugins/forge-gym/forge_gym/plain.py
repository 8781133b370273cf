"""Convert generator output to the exact plain types forge's sandbox carries.

Some generators put numpy scalars (``float64``, ``str_``) or str/int subclasses in their
metadata; the sandbox codec (rightly) refuses anything but exact builtin types, so these are
converted to the builtin value they stand for before a task is made.
"""

from __future__ import annotations

from typing import Any

_EXACT = (type(None), bool, int, float, str, bytes)


def plain(value: Any) -> Any:
    """Return ``value`` with every part converted to an exact builtin type."""
    kind = type(value)
    if kind in _EXACT:
        return value
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return _container(value)([plain(v) for v in value])
    if hasattr(value, "tolist") and callable(value.tolist):  # numpy arrays and scalars
        return plain(value.tolist())
    for base in (bool, int, float, str, bytes):
        if isinstance(value, base):
            return base(value)
    return repr(value)


def _container(value: Any) -> type:
    for base in (list, tuple, frozenset, set):
        if isinstance(value, base):
            return base
    return list  # pragma: no cover - every case above is one of them
