"""A small recursive-descent parser from answer text to forge_math's own AST (plain lists).

Nothing is evaluated: the result is nested lists of strings and ints, safe to store, compare and
send to a sandbox. Expression nodes::

    ["num", p, q]   the rational p/q (decimals and 1e3 are exact)   ["sym", name]
    ["const", "pi" | "E" | "I" | "oo" | "nan" | "zoo"]   ["neg", a]   ["add" | "sub" | "mul" | "div" | "pow", a, b]
    ["fn", name, a]   ["root", a, n]   ["fact", a]   ["pct", a]

An answer is one :class:`Answer`: a scalar expression, an equation ``lhs = rhs``, or a list of
items (with its brackets, if any) that :mod:`forge_math.shapes` reads as a tuple, set or interval.
Bounds: 400 characters, 200 tokens, nesting depth 32, constant exponents within +-1000.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from forge_math.errors import AnswerError
from forge_math.exact import TooBig, evaluate
from forge_math.lexer import Token, tokenize
from forge_math.normalize import normalize

Node = list[Any]
MAX_DEPTH = 32
MAX_EXPONENT = 1000
MAX_FACTORIAL = 300
_CLOSERS = {"(": ")", "[": "]", "{": "}", "|": "|"}
_STARTERS = ("name", "const", "func", "frac")
_RELATIONS = ("<", "<=", ">", ">=")


@dataclass(frozen=True)
class Answer:
    """A parsed answer. ``kind`` is ``expr``, ``eq`` or ``list``.

    ``expr``: ``nodes == [ast]``; ``eq``: ``nodes == [lhs, rhs]``; ``list``: ``items`` holds the
    element answers (each ``expr`` or ``eq``) and ``brackets`` the opening and closing bracket
    (``""`` when the list had none), e.g. ``"[)"``.
    """

    kind: str
    nodes: tuple[Node, ...] = ()
    items: tuple[Answer, ...] = ()
    brackets: str = ""
    plus_minus: bool = field(default=False, compare=False)


def parse_answer(text: str) -> Answer:
    """Return the :class:`Answer` in ``text`` (normalised first), or raise AnswerError."""
    tokens = tokenize(normalize(text))
    if tokens[0].kind == "end":
        raise AnswerError("the answer is empty")
    return _Parser(tokens).answer()


def parse_expression(text: str) -> Node:
    """Return the AST of a single expression in ``text``, or raise AnswerError."""
    answer = parse_answer(text)
    if answer.kind != "expr":
        raise AnswerError("expected a single expression")
    return answer.nodes[0]


class _Parser:
    """Recursive descent over tokens; one method per grammar rule, depth-bounded."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0
        self.pm = False

    # ----- helpers -----------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at(self, kind: str, value: str | None = None) -> bool:
        return self.tok.kind == kind and (value is None or self.tok.value == value)

    def expect(self, value: str) -> None:
        if not self.at("op", value):
            raise AnswerError(f"expected '{value}' at position {self.tok.pos}{self._found()}")
        self.i += 1

    def _found(self) -> str:
        return " (found the end)" if self.at("end") else f" (found '{self.tok.value}')"

    # ----- answers -------------------------------------------------------------------
    def answer(self) -> Answer:
        """answer := bracketed list | item ((, | or | and | ;) item)*"""
        outer = self._outer_brackets()
        if outer:
            self.i += 1
            items = self.items(until="}" if outer == "{" else ")]")
            close = self.take().value
            if self.at("end"):
                if len(items) > 1 or outer == "{":
                    return Answer("list", items=tuple(items), brackets=outer + close)
                return self._single(items[0], outer + close)
            self.i = 0
        items = self.items(until="")
        if not self.at("end"):
            raise AnswerError(f"unexpected '{self.tok.value}' at position {self.tok.pos}")
        return items[0] if len(items) == 1 else Answer("list", items=tuple(items))

    def _single(self, item: Answer, brackets: str) -> Answer:
        if item.kind == "expr" and brackets in ("()", "[]"):
            return item  # plain grouping around one value
        return Answer("list", items=(item,), brackets=brackets)

    def _outer_brackets(self) -> str:
        first = self.tokens[0]
        if first.kind == "op" and first.value in "([{":
            return first.value
        return ""

    def items(self, until: str) -> list[Answer]:
        """items := item (sep item)*, ending before one of ``until`` (ends at the end if empty)."""
        items = [self.item()]
        while self.at("op", ",") or self.at("sep"):
            self.i += 1
            items.append(self.item())
        if until and not (self.at("op") and self.tok.value in until):
            raise AnswerError(f"expected '{until[0]}' at position {self.tok.pos}{self._found()}")
        if len(items) > 12:
            raise AnswerError("answer has more than 12 values")
        return [a for item in items for a in _expand_plus_minus(item)]

    def item(self) -> Answer:
        """item := expr | expr = expr | inequality"""
        self.pm = False
        lhs = self.expr()
        if self.tok.kind == "op" and self.tok.value in _RELATIONS:
            return self.inequality(lhs)
        if self.at("op", "="):
            self.i += 1
            rhs = self.expr()
            if self.at("op", "="):
                raise AnswerError(f"more than one '=' at position {self.tok.pos}")
            return Answer("eq", (lhs, rhs), plus_minus=self.pm)
        return Answer("expr", (lhs,), plus_minus=self.pm)

    def inequality(self, first: Node) -> Answer:
        """Read ``x > a``, ``a <= x < b`` (and the like) as the interval they describe."""
        pos = self.tok.pos
        parts, ops = [first], []
        while self.tok.kind == "op" and self.tok.value in _RELATIONS and len(ops) < 2:
            ops.append(self.take().value)
            parts.append(self.expr())
        if len({op[0] for op in ops}) > 1:
            raise AnswerError(f"inequality at position {pos} mixes < and >")
        if ops[0][0] == ">":
            parts, ops = parts[::-1], [{">": "<", ">=": "<="}[op] for op in ops[::-1]]
        if len(ops) == 1:
            lo, hi = parts
            if hi[0] == "sym":
                lo_open, hi_open, hi = ops[0] == "<", True, ["const", "oo"]
            elif lo[0] == "sym":
                lo_open, hi_open, lo = True, ops[0] == "<", ["neg", ["const", "oo"]]
            else:
                raise AnswerError(
                    f"inequality at position {pos} needs the variable alone on one side"
                )
        elif parts[1][0] == "sym":
            lo, hi, lo_open, hi_open = parts[0], parts[2], ops[0] == "<", ops[1] == "<"
        else:
            raise AnswerError(f"inequality at position {pos} needs the variable in the middle")
        ends = Answer("expr", (lo,)), Answer("expr", (hi,))
        return Answer("list", items=ends, brackets="(["[not lo_open] + ")]"[not hi_open])

    # ----- expressions ----------------------------------------------------------------
    def expr(self) -> Node:
        """expr := term ((+ | - | ±) term)*"""
        self._enter()
        node = self.term()
        while self.at("op") and self.tok.value in "+-±":
            op = self.take().value
            if op == "±":
                self.pm = True
            node = [{"+": "add", "-": "sub", "±": "pm"}[op], node, self.term()]
        self.depth -= 1
        return node

    def term(self) -> Node:
        """term := unary ((* | /)? unary)*  -- implicit product only before a name or bracket"""
        node = self.unary()
        while True:
            if self.at("op") and self.tok.value in "*/":
                op = self.take().value
                node = ["mul" if op == "*" else "div", node, self.unary()]
            elif self.tok.kind in _STARTERS or self.at("op", "(") or self.at("op", "{"):
                node = ["mul", node, self.power()]  # implicit multiplication: 2x, 3(x+1)
            elif self.at("num"):
                raise AnswerError(f"missing operator before the number at position {self.tok.pos}")
            else:
                return node

    def unary(self) -> Node:
        """unary := (- | + | ±) unary | power"""
        if self.at("op", "-") or self.at("op", "+") or self.at("op", "±"):
            op = self.take().value
            self._enter()
            inner = self.unary()
            self.depth -= 1
            if op == "±":
                self.pm = True
                return ["pm", ["num", 0, 1], inner]
            return ["neg", inner] if op == "-" else inner
        return self.power()

    def power(self) -> Node:
        """power := postfix (^ unary)?  -- right-associative; constant exponents bounded"""
        base = self.postfix(self.atom())
        if not self.at("op", "^"):
            return base
        pos = self.take().pos
        self._enter()
        exponent = self.unary()
        self.depth -= 1
        _check_exponent(exponent, pos)
        return ["pow", base, exponent]

    def postfix(self, node: Node) -> Node:
        """postfix := atom (! | %)*"""
        while self.at("op", "!") or self.at("op", "%"):
            if self.take().value == "%":
                node = ["pct", node]
            else:
                _check_factorial(node, self.tokens[self.i - 1].pos)
                node = ["fact", node]
        return node

    def atom(self) -> Node:
        """atom := number | name | constant | function | \\frac{}{} | (expr) | [expr] | {expr} | |expr|"""
        tok = self.take()
        if tok.kind == "num":
            frac = _number(tok.value)
            return ["num", frac.numerator, frac.denominator]
        if tok.kind == "name":
            return ["sym", tok.value]
        if tok.kind == "const":
            return ["const", tok.value]
        if tok.kind == "func":
            return self.function(tok.value)
        if tok.kind == "frac":
            return ["div", self.group("{"), self.group("{")]
        if tok.kind == "op" and tok.value in _CLOSERS:
            self.i -= 1
            node = self.group(tok.value)
            return ["fn", "abs", node] if tok.value == "|" else node
        what = "the end" if tok.kind == "end" else f"'{tok.value}'"
        raise AnswerError(f"unexpected {what} at position {tok.pos}")

    def function(self, name: str) -> Node:
        """function := name (group | power) | sqrt[n]{expr}"""
        if name == "sqrt" and self.at("op", "["):
            index = self.group("[")
            return ["root", self.group("{") if self.at("op", "{") else self.power(), index]
        if self.at("op", "^"):  # sin^2 x
            raise AnswerError(f"write powers of functions as ({name} x)^2, not {name}^2 x")
        arg = self.group(self.tok.value) if self.at("op") and self.tok.value in "({" else None
        return ["fn", name, arg if arg is not None else self.power()]

    def group(self, opener: str) -> Node:
        """group := opener expr closer"""
        self.expect(opener)
        self._enter()
        node = self.expr()
        self.depth -= 1
        self.expect(_CLOSERS[opener])
        return node

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise AnswerError(f"answer is nested more than {MAX_DEPTH} levels deep")


def _number(text: str) -> Fraction:
    mantissa, _, exponent = text.lower().partition("e")
    if exponent and abs(int(exponent)) > 300:
        raise AnswerError(f"exponent of {text} is out of range")
    return Fraction(mantissa) * Fraction(10) ** int(exponent or 0)


def _check_exponent(exponent: Node, pos: int) -> None:
    """Reject constant exponents beyond +-1000 (non-constant exponents stay symbolic)."""
    try:
        value = evaluate(exponent)
    except (TooBig, ZeroDivisionError):
        raise AnswerError(f"exponent at position {pos} is too large") from None
    if value is not None and abs(value) > MAX_EXPONENT:
        raise AnswerError(f"exponent {value} at position {pos} is beyond +-{MAX_EXPONENT}")


def _check_factorial(node: Node, pos: int) -> None:
    try:
        value = evaluate(node)
    except (TooBig, ZeroDivisionError):
        value = Fraction(MAX_FACTORIAL + 1)
    if value is not None and (value.denominator != 1 or not 0 <= value <= MAX_FACTORIAL):
        raise AnswerError(f"factorial at position {pos} needs a whole number 0..{MAX_FACTORIAL}")


def _expand_plus_minus(item: Answer) -> list[Answer]:
    """Turn ``a ± b`` into the two answers ``a + b`` and ``a - b`` (one ± per item)."""
    if not item.plus_minus:
        return [item]
    out = []
    for op in ("add", "sub"):
        nodes = tuple(_replace_pm(n, op) for n in item.nodes)
        out.append(Answer(item.kind, nodes))
    if any(_has_pm(n) for a in out for n in a.nodes):
        raise AnswerError("use ± at most once per value")
    return out


def _replace_pm(node: Any, op: str, done: list[bool] | None = None) -> Any:
    done = [False] if done is None else done
    if not isinstance(node, list):
        return node
    if node[0] == "pm" and not done[0]:
        done[0] = True
        right = _replace_pm(node[2], op, done)
        if node[1] == ["num", 0, 1]:  # unary ±a
            return right if op == "add" else ["neg", right]
        return [op, _replace_pm(node[1], op, done), right]
    return [_replace_pm(x, op, done) for x in node]


def non_finite(node: Any) -> bool:
    """True if ``node`` holds ``nan`` or ``zoo`` (complex infinity) anywhere."""
    if not isinstance(node, list):
        return False
    if node[0] == "const":
        return node[1] in ("nan", "zoo")
    return any(non_finite(x) for x in node[1:])


def _has_pm(node: Any) -> bool:
    return isinstance(node, list) and (node[0] == "pm" or any(_has_pm(x) for x in node[1:]))
