"""Exact rational evaluation of constant ASTs, on the trusted side, with size bounds.

Numbers, fractions, decimals, percentages, ``+ - * /``, integer powers and small factorials
evaluate exactly with :class:`fractions.Fraction`; anything else (symbols, pi, roots, functions)
is not a rational constant and gives None. Results beyond :data:`MAX_BITS` raise :class:`TooBig`,
so no answer can make this side spend more than a few milliseconds.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

MAX_BITS = 20000


class TooBig(ArithmeticError):
    """An intermediate value would exceed :data:`MAX_BITS` bits."""


def evaluate(node: Any) -> Fraction | None:
    """Return the exact value of ``node`` if it is a rational constant, else None.

    Raises ZeroDivisionError for a division by zero and TooBig for oversized values.
    """
    op = node[0]
    if op == "num":
        return Fraction(node[1], node[2])
    if op in ("sym", "const", "fn", "root", "pm"):
        return None
    args = [evaluate(child) for child in node[1:]]
    if any(a is None for a in args):
        return None
    return _check(_apply(op, args))


def _apply(op: str, args: list[Any]) -> Fraction | None:
    if op == "neg":
        return -args[0]
    if op == "pct":
        return args[0] / 100
    if op == "fact":
        a = args[0]
        if a.denominator != 1 or not 0 <= a <= 300:
            return None
        return Fraction(math.factorial(int(a)))
    a, b = args
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if op == "div":
        return a / b
    if op == "pow":
        return _power(a, b)
    raise ValueError(f"unknown node {op!r}")


def _power(base: Fraction, exponent: Fraction) -> Fraction | None:
    if exponent.denominator != 1:
        return None  # roots are left to sympy
    bits = max(base.numerator.bit_length(), base.denominator.bit_length())
    if bits * abs(exponent.numerator) > MAX_BITS:
        raise TooBig("power too large")
    if base == 0 and exponent < 0:
        raise ZeroDivisionError("0 to a negative power")
    return base ** int(exponent)


def _check(value: Fraction | None) -> Fraction | None:
    if value is not None and (
        value.numerator.bit_length() > MAX_BITS or value.denominator.bit_length() > MAX_BITS
    ):
        raise TooBig("value too large")
    return value
