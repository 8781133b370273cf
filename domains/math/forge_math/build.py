"""Build sympy objects from forge_math ASTs (plain lists), never from text.

Used in the sandboxed runner only. Every node type is mapped explicitly; an unknown node
raises ValueError. Symbols are real, so ``sqrt(x^2)`` is ``|x|``.
"""

from __future__ import annotations

from typing import Any

import sympy

_FUNCTIONS = {
    "sqrt": sympy.sqrt, "exp": sympy.exp, "log": sympy.log, "sin": sympy.sin, "cos": sympy.cos,
    "tan": sympy.tan, "sec": sympy.sec, "csc": sympy.csc, "cot": sympy.cot, "asin": sympy.asin,
    "acos": sympy.acos, "atan": sympy.atan, "sinh": sympy.sinh, "cosh": sympy.cosh,
    "tanh": sympy.tanh, "abs": sympy.Abs, "cbrt": lambda a: sympy.real_root(a, 3),
}  # fmt: skip
_CONSTANTS = {
    "pi": sympy.pi,
    "E": sympy.E,
    "I": sympy.I,
    "oo": sympy.oo,
    "nan": sympy.nan,
    "zoo": sympy.zoo,
}
_BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
}


def build(node: Any) -> sympy.Expr:
    """Return the sympy expression for ``node``; raises ValueError for an unknown node."""
    op = node[0]
    if op == "num":
        return sympy.Rational(int(node[1]), int(node[2]))
    if op == "sym":
        return sympy.Symbol(str(node[1]), real=True)
    if op == "const":
        return _CONSTANTS[node[1]]
    if op == "neg":
        return -build(node[1])
    if op == "pct":
        return build(node[1]) / 100
    if op == "fact":
        return sympy.factorial(build(node[1]))
    if op == "fn" and node[1] in _FUNCTIONS:
        return _FUNCTIONS[node[1]](build(node[2]))
    if op == "root":
        base, index = build(node[1]), build(node[2])
        odd = index.is_integer and index.is_odd
        return sympy.real_root(base, index) if odd else sympy.root(base, index)
    if op in _BINARY:
        return _BINARY[op](build(node[1]), build(node[2]))
    raise ValueError(f"unknown node {op!r}")
