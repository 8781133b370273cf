"""The Unicode normalisation policy, one rule per test."""

from __future__ import annotations

import pytest

from forge_math.errors import AnswerError
from forge_math.normalize import normalize
from forge_math.parser import parse_expression


def test_full_width_digits_and_operators_fold_to_ascii() -> None:
    assert normalize("１２３＋４") == "123+4"


def test_zero_width_characters_are_removed() -> None:
    assert normalize("1\u200b2\u200c3\u200d4\u2060\ufeff5\u00ad") == "12345"


@pytest.mark.parametrize("char", ["\u202e", "\u202d", "\u2066", "\u2069", "\u200f", "\u061c"])
def test_direction_controls_are_rejected(char: str) -> None:
    with pytest.raises(AnswerError, match="direction-control"):
        normalize(f"1{char}2")


def test_root_pi_and_infinity_become_names() -> None:
    assert parse_expression("√2") == ["fn", "sqrt", ["num", 2, 1]]
    assert parse_expression("∛8") == ["fn", "cbrt", ["num", 8, 1]]
    assert parse_expression("2π") == ["mul", ["num", 2, 1], ["const", "pi"]]
    assert parse_expression("∞") == ["const", "oo"]


def test_superscripts_become_powers() -> None:
    assert normalize("x²") == "x^(2)"
    assert parse_expression("2⁻¹") == ["pow", ["num", 2, 1], ["neg", ["num", 1, 1]]]


def test_vulgar_and_mixed_fractions() -> None:
    assert normalize("½") == "(1/2)"
    assert normalize("2½") == "(2+1/2)"


def test_unicode_operators_map_to_ascii() -> None:
    assert normalize("6×7÷2−1") == "6*7/2-1"
    assert normalize("a·b") == "a*b"


def test_other_non_ascii_is_left_for_the_parser_to_reject() -> None:
    with pytest.raises(AnswerError, match="unexpected character"):
        parse_expression("3€x")
