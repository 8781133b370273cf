"""The comparison policy: when does a candidate's return value count as the expected one.

Runs on the trusted side only, on plain data rebuilt from the sandbox's result frame.

Policy (documented in docs/domains/code.md):
- ``bool`` only matches ``bool``: ``True`` never equals ``1``, ``False`` never equals ``0``.
- ``int`` and ``float`` match by value; when either side is a float they match within
  ``rel_tol=1e-6`` / ``abs_tol=1e-9`` (``math.isclose``). NaN matches NaN; infinities match
  themselves only.
- ``list`` and ``tuple`` are interchangeable (JSON has no tuples): same length, items match.
- ``dict``: same keys, values match. ``set``/``frozenset``: equal as sets.
- ``str``, ``bytes`` and ``None`` match exactly.
"""

from __future__ import annotations

import math
from typing import Any

REL_TOL = 1e-6
ABS_TOL = 1e-9
_SEQUENCES = (list, tuple)
_SETS = (set, frozenset)


def values_match(got: Any, expected: Any, depth: int = 0) -> bool:
    """Return True if ``got`` counts as ``expected`` under the policy above; never raises."""
    if depth > 200:
        return False
    exp_type, got_type = type(expected), type(got)
    if exp_type is bool or got_type is bool:
        return exp_type is got_type and got == expected
    if exp_type in (int, float):
        return got_type in (int, float) and _numbers_match(got, expected)
    if exp_type in _SEQUENCES:
        return (
            got_type in _SEQUENCES
            and len(got) == len(expected)
            and all(values_match(g, e, depth + 1) for g, e in zip(got, expected, strict=False))
        )
    if exp_type is dict:
        if got_type is not dict or got.keys() != expected.keys():
            return False
        return all(values_match(got[k], expected[k], depth + 1) for k in expected)
    if exp_type in _SETS:
        return got_type in _SETS and got == expected
    return exp_type is got_type and got == expected


def _numbers_match(got: int | float, expected: int | float) -> bool:
    """Compare two numbers: exact for two ints, ``math.isclose`` when a float is involved."""
    if type(got) is int and type(expected) is int:
        return got == expected
    try:
        g, e = float(got), float(expected)
    except OverflowError:
        return False
    if math.isnan(e) or math.isnan(g):
        return math.isnan(e) and math.isnan(g)
    if math.isinf(e) or math.isinf(g):
        return g == e
    return math.isclose(g, e, rel_tol=REL_TOL, abs_tol=ABS_TOL)
