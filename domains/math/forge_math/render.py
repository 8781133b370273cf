"""Print forge_math ASTs back as compact text (for feedback and case records)."""

from __future__ import annotations

from typing import Any

_PREC = {"add": 1, "sub": 1, "pm": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
_SYMBOL = {"add": "+", "sub": "-", "pm": "±", "mul": "*", "div": "/", "pow": "^"}
_CONST = {"pi": "pi", "E": "e", "I": "i", "oo": "oo", "nan": "nan", "zoo": "zoo"}


def render(node: Any) -> str:
    """Return ``node`` as text that :func:`forge_math.parser.parse_answer` reads back."""
    op = node[0]
    if op == "num":
        return _number(node[1], node[2])
    if op == "sym":
        return node[1]
    if op == "const":
        return _CONST[node[1]]
    if op == "fn":
        return f"{node[1]}({render(node[2])})"
    if op == "root":
        return f"root({render(node[1])}, {render(node[2])})"
    if op in ("fact", "pct"):
        return _wrap(node[1], 5) + ("!" if op == "fact" else "%")
    if op == "neg":
        return "-" + _wrap(node[1], 3)
    prec = _PREC[op]
    right_prec = prec + 1 if op in ("sub", "div", "pow", "pm") else prec
    left_prec = prec + 1 if op == "pow" else prec
    return f"{_wrap(node[1], left_prec)}{_SYMBOL[op]}{_wrap(node[2], right_prec)}"


def _number(p: int, q: int) -> str:
    """Return p/q as an integer, a terminating decimal (how decimals are parsed) or p/q."""
    if q == 1:
        return str(p)
    k, rest = 0, q
    for factor in (2, 5):
        while rest % factor == 0:
            rest //= factor
    if rest != 1:
        return f"{p}/{q}"
    while 10**k % q:
        k += 1
    digits = str(abs(p) * (10**k // q)).rjust(k + 1, "0")
    return f"{'-' if p < 0 else ''}{digits[:-k]}.{digits[-k:]}"


def _wrap(node: Any, prec: int) -> str:
    text = render(node)
    own = _PREC.get(node[0], 5)
    if node[0] == "num" and (node[2] != 1 or node[1] < 0):
        own = 2
    return f"({text})" if own < prec else text


def render_answer(answer: Any) -> str:
    """Return a parsed :class:`~forge_math.parser.Answer` as text."""
    if answer.kind == "expr":
        return render(answer.nodes[0])
    if answer.kind == "eq":
        return f"{render(answer.nodes[0])} = {render(answer.nodes[1])}"
    inner = ", ".join(render_answer(item) for item in answer.items)
    return f"{answer.brackets[:1]}{inner}{answer.brackets[1:]}"
