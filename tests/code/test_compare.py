"""The comparison policy used on the trusted side (see docs/domains/code.md)."""

from __future__ import annotations

import pytest

from forge_code.compare import values_match

NAN = float("nan")
INF = float("inf")


@pytest.mark.parametrize(
    ("got", "expected"),
    [
        ("Fizz", "Fizz"),
        (3, 3),
        (None, None),
        (True, True),
        (0.1 + 0.2, 0.3),  # float tolerance
        (1e20 * (1 + 1e-9), 1e20),  # relative tolerance
        (5, 5.0),  # ints and floats compare by value
        (5.0, 5),
        ((1, 2), [1, 2]),  # JSON has no tuples: list and tuple are interchangeable
        ([1, 2], (1, 2)),
        ([[1, (2, 3)]], [[1, [2, 3]]]),
        ({"a": [1.0]}, {"a": [1]}),
        ({1, 2}, {2, 1}),
        (NAN, NAN),
        (INF, INF),
        (b"x", b"x"),
    ],
)
def test_matches(got, expected) -> None:
    assert values_match(got, expected)


@pytest.mark.parametrize(
    ("got", "expected"),
    [
        (1, True),  # bool only matches bool
        (True, 1),
        (0, False),
        (False, 0),
        (1.0, True),
        ("1", 1),
        (1, "1"),
        (0.31, 0.3),
        (None, 0),
        (0, None),
        ([1, 2], [1, 2, 3]),
        ([1, 2], [2, 1]),
        ({"a": 1}, {"a": 1, "b": 2}),
        ([1, 2], {1, 2}),
        ({1, 2}, [1, 2]),
        (NAN, 1.0),
        (1.0, NAN),
        (INF, -INF),
        (INF, 1e308),
        (10**400, 1.0),  # too big for a float: no match, no exception
        ("abc", ["a", "b", "c"]),
    ],
)
def test_does_not_match(got, expected) -> None:
    assert not values_match(got, expected)


def test_deep_nesting_is_refused_not_crashed() -> None:
    deep: list = []
    for _ in range(1000):
        deep = [deep]
    assert not values_match(deep, deep)
