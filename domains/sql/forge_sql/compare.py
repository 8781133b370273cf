"""Result comparison: does a candidate's result set equal the gold one? (trusted side)

Policy (documented in docs/domains/sql.md):
- Column names are ignored; the column count must match. Columns may come in another
  order: if the columns as given do not match, a permutation whose columns hold the same
  values is tried.
- Rows compare as a multiset (duplicates count) unless the gold query orders its output;
  then the order must match too.
- Numbers: ints and floats compare by value (3 == 3.0) with a tolerance of 1e-6
  (relative or absolute). Text never equals a number, and NULL never equals ''.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Row = Sequence[Any]
TOLERANCE = 1e-6
_MAX_PERMUTATIONS = 720
_SHOWN = 2


@dataclass(frozen=True)
class Comparison:
    """The outcome of one comparison: ``equal``, a one-line ``message``, a ``similarity`` in [0, 1)."""

    equal: bool
    message: str = ""
    similarity: float = 0.0


def _key(value: Any) -> Any:
    """Return a hashable canonical form of one value (numbers rounded to 9 significant digits)."""
    if isinstance(value, bool):
        return ("n", int(value))
    if isinstance(value, int):
        return ("n", float(value)) if abs(value) < 2**53 else ("n", value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ("n", repr(value))
        return ("n", float(f"{value:.9g}"))
    if value is None:
        return ("null",)
    return (type(value).__name__, value)


def _row_key(row: Row) -> tuple[Any, ...]:
    return tuple(_key(v) for v in row)


def values_close(a: Any, b: Any) -> bool:
    """Return True if two cell values are equal under the policy (numbers within tolerance)."""
    numeric = (int, float)
    if isinstance(a, numeric) and isinstance(b, numeric):
        if isinstance(a, float) or isinstance(b, float):
            return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
        return a == b
    return type(a) is type(b) and a == b


def rows_close(a: Row, b: Row) -> bool:
    """Return True if two rows are equal cell by cell under the policy."""
    return len(a) == len(b) and all(values_close(x, y) for x, y in zip(a, b, strict=False))


def format_value(value: Any) -> str:
    """Return a cell as SQL-ish text: NULL, numbers bare, strings quoted, blobs as X'..'."""
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return f"X'{value[:16].hex()}{'...' if len(value) > 16 else ''}'"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return repr(text)
    return repr(value)


def format_row(row: Row) -> str:
    """Return a row as ``(1, 'Ann', NULL)``."""
    cells = [format_value(v) for v in row[:8]] + (["..."] if len(row) > 8 else [])
    return "(" + ", ".join(cells) + ("," if len(cells) == 1 else "") + ")"


def multiset_diff(expected: Sequence[Row], got: Sequence[Row]) -> tuple[list[Row], list[Row]]:
    """Return ``(missing, unexpected)`` rows, pairing off rows equal within tolerance."""
    exp, have = Counter(map(_row_key, expected)), Counter(map(_row_key, got))
    missing_keys, extra_keys = exp - have, have - exp
    missing = _take(expected, missing_keys)
    unexpected = _take(got, extra_keys)
    for row in list(missing):
        match = next((u for u in unexpected if rows_close(row, u)), None)
        if match is not None:
            missing.remove(row)
            unexpected.remove(match)
    return missing, unexpected


def _take(rows: Sequence[Row], wanted: Counter) -> list[Row]:
    """Return the rows of ``rows`` whose keys are in ``wanted``, as many times as counted."""
    left, out = Counter(wanted), []
    for row in rows:
        key = _row_key(row)
        if left[key] > 0:
            left[key] -= 1
            out.append(row)
    return out


def _column_orders(expected: Sequence[Row], got: Sequence[Row], width: int):
    """Yield column permutations of ``got`` worth trying: identity first, then value-matched ones."""
    yield tuple(range(width))
    if not expected or len(expected) != len(got) or width > 8:
        return
    exp_cols = [Counter(_key(r[i]) for r in expected) for i in range(width)]
    got_cols = [Counter(_key(r[i]) for r in got) for i in range(width)]
    choices = [[j for j in range(width) if got_cols[j] == exp_cols[i]] for i in range(width)]
    if any(not c for c in choices):
        return
    for count, perm in enumerate(itertools.product(*choices)):
        if count >= _MAX_PERMUTATIONS:
            return
        if len(set(perm)) == width and perm != tuple(range(width)):
            yield perm


def compare_results(
    expected: Sequence[Row],
    expected_columns: Sequence[str],
    got: Sequence[Row],
    got_columns: Sequence[str],
    ordered: bool,
) -> Comparison:
    """Compare a candidate's rows with the gold rows under the policy above."""
    width = len(expected_columns)
    if len(got_columns) != width:
        return Comparison(
            False,
            f"column count {len(got_columns)} ({', '.join(got_columns)}), expected {width}",
            0.1,
        )
    best: tuple[list[Row], list[Row], list[Row]] | None = None
    for perm in _column_orders(expected, got, width):
        rows = [[r[i] for i in perm] for r in got]
        missing, unexpected = multiset_diff(expected, rows)
        if not missing and not unexpected:
            if not ordered or all(rows_close(a, b) for a, b in zip(expected, rows, strict=False)):
                return Comparison(True, "", 1.0)
            return _order_message(expected, rows)
        if best is None:
            best = (missing, unexpected, rows)
    assert best is not None
    return _mismatch_message(expected, got, best[0], best[1])


def _order_message(expected: Sequence[Row], rows: Sequence[Row]) -> Comparison:
    """The right rows in the wrong order: name the first position that differs."""
    i = next(
        i for i, (a, b) in enumerate(zip(expected, rows, strict=False)) if not rows_close(a, b)
    )
    return Comparison(
        False,
        f"right rows in the wrong order: row {i + 1} is {format_row(rows[i])}, "
        f"expected {format_row(expected[i])} (check ORDER BY)",
        0.8,
    )


def _mismatch_message(
    expected: Sequence[Row], got: Sequence[Row], missing: list[Row], unexpected: list[Row]
) -> Comparison:
    """Rows differ: counts, then a few unexpected and missing rows."""
    parts = [f"expected {len(expected)} row{'s' * (len(expected) != 1)}, got {len(got)}"]
    parts += [f"unexpected row {format_row(r)}" for r in unexpected[:_SHOWN]]
    if len(unexpected) > _SHOWN:
        parts.append(f"{len(unexpected) - _SHOWN} more unexpected")
    parts += [f"missing row {format_row(r)}" for r in missing[:_SHOWN]]
    if len(missing) > _SHOWN:
        parts.append(f"{len(missing) - _SHOWN} more missing")
    matched = len(expected) - len(missing)
    overlap = matched / max(len(expected), len(got), 1)
    return Comparison(False, "; ".join(parts), round(0.2 + 0.5 * overlap, 4))
