"""The comparison policy: when does a candidate's return value count as the expected one.

Runs on the trusted side only, on plain data rebuilt from the sandbox's result frame.

Policy (documented in docs/domains/code.md):
- ``bool`` only matches ``bool``: ``True`` never equals ``1``, ``False`` never equals ``0`` --
  also as a dict key or a set member (``{True, 2}`` is not ``{1, 2}``).
- An ``int`` expected value needs exactly that number: an ``int``, or a ``float`` equal to
  it (``3.0`` for ``3``; ``1000004.0`` is not ``1000003``).
- A ``float`` expected value matches an ``int`` or ``float`` within ``rel_tol=1e-6`` /
  ``abs_tol=1e-9`` (``math.isclose``). NaN matches NaN; infinities match themselves only.
- ``list`` and ``tuple`` are interchangeable (JSON has no tuples): same length, items match.
- ``dict``: the same keys, and the values match. ``set``/``frozenset``: the same members.
  Keys and members compare exactly, with the bool rule above (no tolerance).
- ``str``, ``bytes`` and ``None`` match exactly.
"""

from __future__ import annotations

import math
from typing import Any

REL_TOL = 1e-6
ABS_TOL = 1e-9
MAX_DEPTH = 200
_SEQUENCES = (list, tuple)
_SETS = (set, frozenset)


def values_match(got: Any, expected: Any, depth: int = 0) -> bool:
    """Return True if ``got`` counts as ``expected`` under the policy above; never raises."""
    if depth > MAX_DEPTH:
        return False
    exp_type, got_type = type(expected), type(got)
    if exp_type is bool or got_type is bool:
        return exp_type is got_type and got == expected
    if exp_type is int:
        return got_type in (int, float) and got == expected  # exact, for floats too
    if exp_type is float:
        return got_type in (int, float) and _floats_match(got, expected)
    if exp_type in _SEQUENCES:
        return (
            got_type in _SEQUENCES
            and len(got) == len(expected)
            and all(values_match(g, e, depth + 1) for g, e in zip(got, expected, strict=False))
        )
    if exp_type is dict:
        return got_type is dict and _dicts_match(got, expected, depth)
    if exp_type in _SETS:
        return got_type in _SETS and _typed_set(got) == _typed_set(expected)
    return exp_type is got_type and got == expected


def _floats_match(got: int | float, expected: float) -> bool:
    """``math.isclose`` with the policy's tolerances; NaN matches NaN."""
    try:
        g = float(got)
    except OverflowError:
        return False
    if math.isnan(expected) or math.isnan(g):
        return math.isnan(expected) and math.isnan(g)
    if math.isinf(expected) or math.isinf(g):
        return g == expected
    return math.isclose(g, expected, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def _dicts_match(got: dict[Any, Any], expected: dict[Any, Any], depth: int) -> bool:
    """Same keys (bools apart from ints), and every value matches under the policy."""
    if len(got) != len(expected):
        return False
    mine = {typed_key(k): v for k, v in got.items()}
    if len(mine) != len(got):
        return False
    for key, value in expected.items():
        tk = typed_key(key)
        if tk not in mine or not values_match(mine[tk], value, depth + 1):
            return False
    return True


def _typed_set(items: Any) -> set[Any]:
    return {typed_key(x) for x in items}


def typed_key(key: Any) -> Any:
    """Return a hashable stand-in for ``key`` that tells ``True`` from ``1`` (recursively).

    Numbers keep Python's equality otherwise (``1`` and ``1.0`` are the same key, as in a
    dict); tuples and frozensets are mapped member by member.
    """
    kind = type(key)
    if kind is bool:
        return ("bool", key)
    if kind is tuple:
        return ("tuple", tuple(typed_key(x) for x in key))
    if kind is frozenset:
        return ("frozenset", frozenset(typed_key(x) for x in key))
    return key
