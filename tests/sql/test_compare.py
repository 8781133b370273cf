"""The result comparison policy, case by case."""

from __future__ import annotations

from forge_sql.compare import compare_results, format_row


def cmp(expected, got, ordered=False, width=None, got_width=None):
    width = width or (len(expected[0]) if expected else 1)
    got_width = got_width or (len(got[0]) if got else width)
    return compare_results(expected, ["c"] * width, got, ["g"] * got_width, ordered)


def test_multiset_ignores_order_but_counts_duplicates() -> None:
    assert cmp([(1,), (2,)], [(2,), (1,)]).equal
    result = cmp([(1,), (1,), (2,)], [(1,), (2,), (2,)])
    assert not result.equal
    assert result.message == "expected 3 rows, got 3; unexpected row (2,); missing row (1,)"


def test_ordered_when_gold_orders() -> None:
    result = cmp([(1, "a"), (2, "b")], [(2, "b"), (1, "a")], ordered=True)
    assert not result.equal
    assert result.message.startswith(
        "right rows in the wrong order: row 1 is (2, 'b'), expected (1, 'a')"
    )
    assert cmp([(1, "a"), (2, "b")], [(1, "a"), (2, "b")], ordered=True).equal


def test_column_names_ignored_order_matched_by_values() -> None:
    assert cmp([(1, "Ann"), (2, "Bob")], [("Bob", 2), ("Ann", 1)]).equal
    assert cmp([(1, "Ann"), (2, "Bob")], [("Ann", 1), ("Bob", 2)], ordered=True).equal


def test_column_count_message() -> None:
    result = compare_results([(1, 2, 3)], ["a", "b", "c"], [(1, 2)], ["id", "name"], False)
    assert not result.equal and result.message == "column count 2 (id, name), expected 3"


def test_numbers_with_tolerance_and_types() -> None:
    assert cmp([(0.3,)], [(0.1 + 0.2,)]).equal
    assert cmp([(3,)], [(3.0,)]).equal
    assert cmp([(120.0,)], [(120.0000001,)]).equal
    assert not cmp([(120.0,)], [(120.01,)]).equal
    assert not cmp([(3,)], [("3",)]).equal


def test_null_is_not_empty_string() -> None:
    result = cmp([(None,)], [("",)])
    assert not result.equal
    assert "unexpected row ('',); missing row (NULL,)" in result.message


def test_mismatch_message_shape() -> None:
    expected = [(1, "Ann", 10.0), (2, "Bob", 120.0), (3, "Cy", None)]
    got = [(1, "Ann", 10.0), (3, "Cy", None), (4, "Dana", None), (5, "Eve", 1.5), (6, "Flo", 2.5)]
    result = cmp(expected, got)
    assert result.message == (
        "expected 3 rows, got 5; unexpected row (4, 'Dana', NULL); unexpected row (5, 'Eve', 1.5); "
        "1 more unexpected; missing row (2, 'Bob', 120.0)"
    )
    assert 0 < result.similarity < 1


def test_format_row() -> None:
    assert format_row([1, None, "x", b"\x01"]) == "(1, NULL, 'x', X'01')"
    assert format_row([7]) == "(7,)"
