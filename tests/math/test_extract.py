"""Final-answer extraction from free text, the marker order, and answer_complete."""

from __future__ import annotations

import pytest

from forge_math.extract import answer_complete, extract_answer, strip_units


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("so \\boxed{\\frac{7}{12}} done", "\\frac{7}{12}"),
        ("Answer: 3\nwait \\boxed{4}", "4"),
        ("work\n#### 1,234", "1,234"),
        ("Answer: 5\nFinal answer: 6", "6"),
        ("**Answer:** 42", "42"),
        ("**Answer: 42**", "42"),
        ("answer: x^2 + 1.", "x^2 + 1"),
        ("The answer is 18. She is happy.", "18"),
        ("Answer: 3.5", "3.5"),
        ("Answer: $\\frac{1}{2}$", "\\frac{1}{2}"),
        ("5 * 2 = 10 and 10 + 2 = 12", "12"),
        ("Answer: 9 + 6*x + x**2", "9 + 6*x + x**2"),
        ("The answer is 4, not 3.", "4"),
        ("The final answer is simply 2.", "2"),
        ("Answer: approximately 3.14", "3.14"),
        ("Answer: 18 because she sold 3", "18"),
        ("Answer: isosceles", "isosceles"),
    ],
)
def test_markers(text: str, answer: str) -> None:
    assert extract_answer(text) == answer


@pytest.mark.parametrize("text", ["", "I don't know.", "Answer:", "\\boxed{}", "no digits here"])
def test_no_answer_is_none(text: str) -> None:
    assert extract_answer(text) is None


def test_last_number_is_the_documented_fallback() -> None:
    assert extract_answer("First 3 apples, then 4 more, so 7 in all") == "7"


def test_strip_units() -> None:
    assert strip_units("$1,200.50") == "1200.50"
    assert strip_units("18 apples") == "18"
    assert strip_units("25%") == "25%"
    assert strip_units("x + 2") == "x + 2"


@pytest.mark.parametrize(
    ("text", "done"),
    [
        ("Let me think", False),
        ("Answer: 1", False),
        ("Answer: 12\n", True),
        ("#### 5\n", True),
        ("so \\boxed{3", False),
        ("so \\boxed{3}", True),
        ("Answer:\n", False),
    ],
)
def test_answer_complete(text: str, done: bool) -> None:
    assert answer_complete(text) is done
