"""Read a HumanEval ``check`` function with ``ast`` (no evaluation happens here).

The body's top-level statements run in order. A statement that contains an ``assert`` closes
a *group*: the calls to ``candidate`` made since the previous group belong to it, and the
group becomes one test case. A group that is a single ``assert candidate(...) == value``
(or ``is value``, a bare ``candidate(...)``, ``not candidate(...)``) is a plain-equality case;
anything else (loops, tolerances, helper functions) is re-checked by the judge.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class CheckBody:
    """The statements of ``check`` as source, and what each one is."""

    statements: tuple[str, ...]
    closes: tuple[bool, ...]  # the statement contains an assert (it closes a group)
    plain: tuple[bool, ...]  # the statement is a single plain-equality assert


def analyze_check(test_source: str) -> CheckBody:
    """Return the statements of ``def check(candidate)`` in ``test_source``.

    Raises ValueError if the test has no ``check`` function.
    """
    tree = ast.parse(test_source)
    check = next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "check"), None
    )
    if check is None:
        raise ValueError("the test has no 'check' function")
    body = check.body
    for node in ast.walk(check):
        if isinstance(node, ast.Assert):
            node.msg = None  # "This prints if this assert fails" helps no one
    return CheckBody(
        statements=tuple(ast.unparse(s) for s in body),
        closes=tuple(any(isinstance(n, ast.Assert) for n in ast.walk(s)) for s in body),
        plain=tuple(_is_plain_assert(s) for s in body),
    )


def test_module(test_source: str) -> str:
    """Return the test source without ``check`` (METADATA, imports, helpers stay)."""
    tree = ast.parse(test_source)
    tree.body = [n for n in tree.body if not (isinstance(n, ast.FunctionDef) and n.name == "check")]
    return ast.unparse(tree)


def _is_plain_assert(stmt: ast.stmt) -> bool:
    """True for ``assert candidate(...) == X``, ``X == candidate(...)``, ``is``, bare, ``not``."""
    if not isinstance(stmt, ast.Assert):
        return False
    test = stmt.test
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test = test.operand
    if _is_candidate_call(test):
        return _calls(test) == 1
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        if not isinstance(test.ops[0], (ast.Eq, ast.Is)):
            return False
        left, right = test.left, test.comparators[0]
        one_side = _is_candidate_call(left) != _is_candidate_call(right)
        return one_side and _calls(test) == 1
    return False


def _is_candidate_call(node: ast.AST) -> bool:
    """True for a call ``candidate(...)``."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "candidate"
    )


def _calls(node: ast.AST) -> int:
    """Number of ``candidate(...)`` calls anywhere inside ``node``."""
    return sum(_is_candidate_call(n) for n in ast.walk(node))
