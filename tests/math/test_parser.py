"""The answer grammar: what it reads, what it builds, and what it refuses (without evaluating)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from forge_math.errors import AnswerError
from forge_math.parser import parse_answer, parse_expression
from forge_math.render import render, render_answer

SOURCE = Path(__file__).resolve().parents[2] / "domains" / "math" / "forge_math"


@pytest.mark.parametrize(
    ("text", "ast"),
    [
        ("18", ["num", 18, 1]),
        ("-2.5", ["neg", ["num", 5, 2]]),
        ("1e3", ["num", 1000, 1]),
        ("7/12", ["div", ["num", 7, 1], ["num", 12, 1]]),
        ("\\frac{1}{2}", ["div", ["num", 1, 1], ["num", 2, 1]]),
        ("50%", ["pct", ["num", 50, 1]]),
        ("2x", ["mul", ["num", 2, 1], ["sym", "x"]]),
        ("xy", ["mul", ["sym", "x"], ["sym", "y"]]),
        ("-x^2", ["neg", ["pow", ["sym", "x"], ["num", 2, 1]]]),
        ("2^3^2", ["pow", ["num", 2, 1], ["pow", ["num", 3, 1], ["num", 2, 1]]]),
        ("\\sqrt[3]{8}", ["root", ["num", 8, 1], ["num", 3, 1]]),
        ("|x-1|", ["fn", "abs", ["sub", ["sym", "x"], ["num", 1, 1]]]),
        ("ln(e)", ["fn", "log", ["const", "E"]]),
        ("3!", ["fact", ["num", 3, 1]]),
        ("2 \\cdot \\pi", ["mul", ["num", 2, 1], ["const", "pi"]]),
    ],
)
def test_expressions(text: str, ast: list) -> None:
    assert parse_expression(text) == ast


def test_structures() -> None:
    assert parse_answer("x = 3").kind == "eq"
    assert parse_answer("(1, 2)").brackets == "()"
    assert parse_answer("[0, oo)").brackets == "[)"
    assert parse_answer("{1, 2}").brackets == "{}"
    both = parse_answer("x = 2 or x = 3")
    assert both.kind == "list" and [i.kind for i in both.items] == ["eq", "eq"]
    assert len(parse_answer("x = ±3").items) == 2
    assert parse_answer("(x+1)(x-1)").kind == "expr"


@pytest.mark.parametrize(
    ("text", "interval"),
    [
        ("x > 5", "(5, oo)"),
        ("x >= 5", "[5, oo)"),
        ("5 < x", "(5, oo)"),
        ("x ≤ 2", "(-oo, 2]"),
        ("-3 <= x <= 3", "[-3, 3]"),
        ("3 >= x > -1", "(-1, 3]"),
        ("\\frac{1}{2} \\le x", "[1/2, oo)"),
    ],
)
def test_inequalities_read_as_intervals(text: str, interval: str) -> None:
    assert render_answer(parse_answer(text)) == interval


@pytest.mark.parametrize("text", ["1 < 2", "x < 3 > 2", "x > 5 > 3"])
def test_inequalities_need_the_variable_alone(text: str) -> None:
    with pytest.raises(AnswerError, match="inequality"):
        parse_answer(text)


def test_render_round_trips() -> None:
    for text in ["x^2+6*x+9", "-(x+1)/2", "2^(3^2)", "sqrt(2)/2", "0.25*x", "(-1)^n"]:
        ast = parse_expression(text)
        assert parse_expression(render(ast)) == ast, render(ast)


HOSTILE = [
    ("__import__('os').system('touch /tmp/forge_math_pwned')", "unexpected character '_'"),
    ("().__class__.__mro__[1].__subclasses__()", "unexpected character"),
    ("eval('1')", "unknown function 'eval'"),
    ("exec(x)", "unknown function 'exec'"),
    ("getattr(x, y)", "unknown function 'getattr'"),
    ("lambda: 0", "unexpected"),
    ("os.system", "unexpected character '.'"),
    ("9^9^9", "beyond +-1000"),
    ("x^100000", "beyond +-1000"),
    ("10^1000^2", "beyond +-1000"),
    ("1e400", "out of range"),
    ("500!", "factorial"),
    ("1" * 61, "more than 60 digits"),
    ("(" * 40 + "1" + ")" * 40, "nested more than 32"),
    ("-" * 40 + "1", "nested more than 32"),
    ("x+" * 201 + "x", "too long"),
    ("1+" * 150 + "1", "more than 200 tokens"),
    ("\\input{/etc/passwd}", "unsupported LaTeX command"),
    ("2 3", "missing operator"),
    ("", "empty"),
]


@pytest.mark.parametrize(("text", "why"), HOSTILE)
def test_hostile_and_oversized_answers_are_refused(text: str, why: str) -> None:
    with pytest.raises(AnswerError, match=why.replace("+", r"\+").replace("(", r"\(")):
        parse_answer(text)
    assert not Path("/tmp/forge_math_pwned").exists()


def test_no_module_calls_an_evaluating_parser() -> None:
    """sympify / parse_expr / eval / exec would evaluate text; none may appear in forge_math."""
    banned = re.compile(r"\b(sympify|parse_expr|eval|exec|__import__|S)\s*\(|sympy\.parsing")
    for path in SOURCE.glob("*.py"):
        assert not banned.search(path.read_text("utf-8")), path.name
