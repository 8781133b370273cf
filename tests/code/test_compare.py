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
        (5.0, 5),  # a float equal to the expected int
        (2.0**60, 2**60),
        (5 + 1e-7, 5.0),  # tolerance applies when the expected value is a float
        ({1.0: "a"}, {1: "a"}),  # numbers as keys: Python's own equality
        ({(1, 2): [1.0]}, {(1, 2): [1]}),
        (frozenset({True, 2}), {True, 2}),
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
        (1000004.0, 1000003),  # an int expected value is exact: no tolerance for floats
        (3.0000001, 3),
        (10**20 + 1.0, 10**20 + 1),  # the float rounds to 1e20, which is not 10**20 + 1
        ({False: "x", True: "y"}, {0: "x", 1: "y"}),  # the bool rule holds for dict keys
        ({0: "x", 1: "y"}, {False: "x", True: "y"}),
        ({True, 2}, {1, 2}),  # ... and for set members
        ({1, 2}, {True, 2}),
        (frozenset({(True,), 2}), {(1,), 2}),  # ... also inside a tuple member
        ({(1, True): 0}, {(1, 1): 0}),
        ({1.0000001: "a"}, {1: "a"}),  # keys compare exactly
    ],
)
def test_does_not_match(got, expected) -> None:
    assert not values_match(got, expected)


def test_deep_nesting_is_refused_not_crashed() -> None:
    deep: list = []
    for _ in range(1000):
        deep = [deep]
    assert not values_match(deep, deep)
