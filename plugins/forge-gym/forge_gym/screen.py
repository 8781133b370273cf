"""Screen answers on the trusted side before any reasoning-gym scorer sees them.

Nine reasoning-gym scorers evaluate the answer string as code: four call Python's ``eval``
on it (for partial credit when the answer "looks like a list"), five hand it to sympy's
``parse_expr``, which also ends in ``eval``. An answer that ran code there could read the
reference answer from the scorer's frame or forge the score the child returns, so the
sandbox alone is not enough: such answers never reach the scorer.

* ``eval`` scorers: the answer must not parse as a Python expression containing anything but
  literals (numbers, strings, lists, tuples, sets, dicts, a sign). Text that does not parse
  at all is let through, because ``eval`` raises on it before running anything, and so is
  the reference answer itself (these scorers compare it before they ``eval``). A bare name
  (``ABCDE``) is *wrong* without scoring: the scorer can only ``eval`` it to a variable of
  its own frame (``oracle_answer`` would earn partial credit) or fail.
* sympy scorers: the answer must be an arithmetic expression (``countdown``, ``puzzle24``:
  numbers, ``+ - * / ( )``) or a math expression (numbers, one-letter variables, a fixed list
  of function names, ``+ - * / ^ ( ) ,``). No quotes, underscores, dots outside numbers,
  brackets or keywords, so there is nothing to call but math functions.
* every answer: at most :func:`max_chars` characters.
"""

from __future__ import annotations

import ast
import re
from typing import NamedTuple

EVAL_SCORERS = frozenset({"binary_matrix", "n_queens", "spiral_matrix", "string_insertion"})
ARITHMETIC_SCORERS = frozenset({"countdown", "puzzle24"})
EXPRESSION_SCORERS = frozenset(
    {"polynomial_multiplication", "simple_integration", "intermediate_integration"}
)
CODE_SCORERS = EVAL_SCORERS | ARITHMETIC_SCORERS | EXPRESSION_SCORERS
FUNCTIONS = frozenset(
    "sin cos tan cot sec csc asin acos atan acot sinh cosh tanh asinh acosh atanh "
    "exp log ln sqrt Abs abs pi oo Integral".split()
)
_LITERAL_NODES = (
    ast.Expression, ast.Constant, ast.List, ast.Tuple, ast.Set, ast.Dict,
    ast.UnaryOp, ast.USub, ast.UAdd, ast.Load,
)  # fmt: skip
_ARITHMETIC = re.compile(r"[0-9+\-*/() \t]*")
_TOKEN = re.compile(r"\s+|\d+\.\d*|\.\d+|\d+|\*\*|[A-Za-z][A-Za-z0-9]*|[-+*/^(),]")
_VARIABLE = re.compile(r"[A-Za-z][0-9]*")


def max_chars(reference: str | None) -> int:
    """Return the longest answer accepted for a task whose reference answer is ``reference``."""
    return max(2000, 3 * len(reference or ""))


class Screen(NamedTuple):
    """The screen's decision: ``ok`` (score it), ``rejected`` (refused, with the reason) or
    ``wrong`` (score 0 without running the scorer)."""

    outcome: str
    reason: str = ""


OK = Screen("ok")


def screen(generator: str, answer: str, reference: str | None) -> Screen:
    """Return whether ``answer`` may reach ``generator``'s scorer (see the module docstring)."""
    limit = max_chars(reference)
    if len(answer) > limit:
        return Screen(
            "rejected", f"the answer is {len(answer)} characters long; at most {limit} are accepted"
        )
    if generator in EVAL_SCORERS and answer != reference:
        return _literal(answer)
    if generator in ARITHMETIC_SCORERS and not _ARITHMETIC.fullmatch(answer):
        why = "write the answer as an arithmetic expression: numbers, + - * / and parentheses"
        return Screen("rejected", why)
    if generator in EXPRESSION_SCORERS:
        return _expression(answer)
    return OK


def _literal(answer: str) -> Screen:
    """Refuse text that Python would evaluate to anything but a literal."""
    for variant in {answer, answer.lstrip(" \t"), answer.strip()}:
        try:
            tree = ast.parse(variant, mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            continue  # eval raises on this text before running anything
        if isinstance(tree.body, ast.Name):
            return Screen("wrong")
        if not all(isinstance(node, _LITERAL_NODES) for node in ast.walk(tree)):
            return Screen(
                "rejected",
                "the answer looks like code (names, calls or operators); write plain values",
            )
    return OK


def _expression(answer: str) -> Screen:
    """Refuse anything but numbers, variables, known functions and arithmetic."""
    pos = 0
    while pos < len(answer):
        match = _TOKEN.match(answer, pos)
        if match is None:
            why = f"the expression contains '{answer[pos]}'; use numbers, variables, + - * / ^ ( )"
            return Screen("rejected", why)
        word = match.group()
        if word[0].isalpha() and word not in FUNCTIONS and not _VARIABLE.fullmatch(word):
            return Screen("rejected", f"the expression uses the unknown name '{word}'")
        pos = match.end()
    return OK
