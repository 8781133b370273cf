"""Answer forms: when being equal to the reference is not enough.

A task's optional ``form`` field asks for a particular way of writing the answer:

* ``value``: a final number -- ``12``, ``-2.5``, ``7/12`` (lowest terms), ``25%``, ``2+1/4``
  (mixed); not ``45/9`` or ``12-5+8``. This is the default whenever the reference itself is such a
  plain number, as GSM8K graders expect the computed value.
* ``expanded``: no power or product of a sum (``x^2+6x+9``, not ``(x+3)^2``).
* ``simplified``: no larger than the reference (counted in syntax-tree nodes).
* ``any``: every equivalent form passes (turns the ``value`` default off).

Without these, "Expand (x+3)^2" would be answered by copying ``(x+3)^2``.
"""

from __future__ import annotations

import math
from typing import Any

FORMS = ("value", "expanded", "simplified", "any")


def form_problem(cand: Any, ref: Any, form: str | None) -> str | None:
    """Return why ``cand`` is not in the requested ``form`` (feedback text), or None if it is."""
    form = form or ("value" if is_plain_number(ref) else "any")
    if form == "value" and not is_plain_number(cand):
        return "is not a final number: compute and simplify it"
    if form == "expanded" and _has_product_of_sum(cand):
        return "is not expanded: multiply out every product and power"
    if form == "simplified" and size(cand) > size(ref):
        return "is equivalent to a simpler form: simplify it further"
    return None


def is_plain_number(node: Any) -> bool:
    """Return True when ``node`` is a final number (see the module docstring)."""
    op = node[0]
    if op == "num":
        return True
    if op == "neg":
        return is_plain_number(node[1])
    if op == "pct":
        return node[1][0] == "num" or (node[1][0] == "neg" and node[1][1][0] == "num")
    if op == "div":
        return _proper_fraction(node)
    if op == "add":
        a, b = node[1], node[2]
        return a[0] == "num" and a[2] == 1 and _proper_fraction(b)
    return False


def size(node: Any) -> int:
    """Return the number of nodes in an AST."""
    return 1 + sum(size(x) for x in node[1:] if isinstance(x, list))


def _proper_fraction(node: Any) -> bool:
    if node[0] != "div":
        return False
    a, b = node[1], node[2]
    if a[0] != "num" or b[0] != "num" or a[2] != 1 or b[2] != 1:
        return False
    return b[1] > 1 and math.gcd(a[1], b[1]) == 1


def _has_product_of_sum(node: Any) -> bool:
    if not isinstance(node, list) or node[0] in ("num", "sym", "const"):
        return False
    sums = ("add", "sub")
    if node[0] == "pow" and node[1][0] in sums:
        return True
    if node[0] == "mul" and (node[1][0] in sums or node[2][0] in sums):
        return True
    if node[0] == "neg" and node[1][0] in sums:
        return False
    return any(_has_product_of_sum(x) for x in node[1:])
