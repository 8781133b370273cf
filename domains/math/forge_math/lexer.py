"""Tokenizer for answer text (after :func:`forge_math.normalize.normalize`).

Only a small alphabet is accepted: digits, ASCII letters, ``+ - * / ^ ! % = ( ) [ ] { } , ; | ±``,
spaces and a whitelist of LaTeX commands. Anything else (quotes, underscores, dots outside
numbers, unknown words and commands) raises :class:`AnswerError` naming the offending piece.
Nothing here evaluates anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from forge_math.errors import AnswerError

MAX_CHARS = 400
MAX_TOKENS = 200
MAX_DIGITS = 60

FUNCTIONS = {
    "sqrt": "sqrt", "cbrt": "cbrt", "exp": "exp", "ln": "log", "log": "log", "sin": "sin",
    "cos": "cos", "tan": "tan", "sec": "sec", "csc": "csc", "cot": "cot", "asin": "asin",
    "acos": "acos", "atan": "atan", "arcsin": "asin", "arccos": "acos", "arctan": "atan",
    "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "abs": "abs",
}  # fmt: skip
CONSTANTS = {"pi": "pi", "e": "E", "i": "I", "oo": "oo", "inf": "oo", "infty": "oo",
             "infinity": "oo", "nan": "nan", "zoo": "zoo"}  # fmt: skip
NON_FINITE = frozenset({"nan", "zoo"})  # never a value: an answer holding one is not finite
GREEK = frozenset("alpha beta gamma delta epsilon theta lambda mu sigma phi omega tau rho".split())
SEPARATORS = frozenset({"or", "and"})
_IGNORED_COMMANDS = frozenset({"left", "right", "big", "Big", "bigl", "bigr", "displaystyle"})
_SPACE_COMMANDS = frozenset({",", ";", ":", "!", " ", "quad", "qquad"})
_COMMAND_OPS = {
    "cdot": "*", "times": "*", "div": "/", "pm": "±", "{": "{", "}": "}", "%": "%", "lt": "<",
    "gt": ">", "le": "<=", "leq": "<=", "ge": ">=", "geq": ">=",
}  # fmt: skip
_TEXT_COMMANDS = re.compile(r"\\(?:text|mathrm|textbf|mbox|operatorname)\s*\{([^{}]*)\}")
_NUMBER = re.compile(r"(\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+(?![A-Za-z]))?")
_OPS = frozenset("+-*/^!%=()[]{},;|±<>")


@dataclass(frozen=True)
class Token:
    """One token: ``kind`` is num, name, const, func, frac, op, sep or end; ``pos`` is its offset."""

    kind: str
    value: str
    pos: int


def tokenize(text: str) -> list[Token]:
    """Return the tokens of ``text`` ending with an ``end`` token, or raise AnswerError."""
    if len(text) > MAX_CHARS:
        raise AnswerError(f"answer is too long ({len(text)} characters; the limit is {MAX_CHARS})")
    text = _TEXT_COMMANDS.sub(lambda m: f" {m[1]} ", text).replace("**", "^").replace("$", " ")
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c.isspace() or c == "~":
            i += 1
        elif c.isdigit() or (c == "." and text[i + 1 : i + 2].isdigit()):
            i = _number(text, i, tokens)
        elif c.isascii() and c.isalpha():
            i = _word(text, i, tokens)
        elif c == "\\":
            i = _command(text, i, tokens)
        elif c in "<>" and text[i + 1 : i + 2] == "=":
            tokens.append(Token("op", c + "=", i))
            i += 2
        elif c in _OPS:
            tokens.append(Token("sep" if c == ";" else "op", c, i))
            i += 1
        else:
            raise AnswerError(f"unexpected character {c!r} at position {i}")
        if len(tokens) > MAX_TOKENS:
            raise AnswerError(f"answer has more than {MAX_TOKENS} tokens")
    tokens.append(Token("end", "", len(text)))
    return tokens


def _number(text: str, i: int, tokens: list[Token]) -> int:
    m = _NUMBER.match(text, i)
    assert m is not None
    if sum(ch.isdigit() for ch in m[0]) > MAX_DIGITS:
        raise AnswerError(f"number at position {i} has more than {MAX_DIGITS} digits")
    tokens.append(Token("num", m[0], i))
    return m.end()


def _word(text: str, i: int, tokens: list[Token]) -> int:
    j = i
    while j < len(text) and text[j].isascii() and text[j].isalpha():
        j += 1
    word = text[i:j]
    for kind, value in _classify_word(word, i, text[j:].lstrip().startswith("(")):
        tokens.append(Token(kind, value, i))
    return j


def _classify_word(word: str, pos: int, before_paren: bool) -> list[tuple[str, str]]:
    """Return the tokens one run of letters stands for (short unknown runs are products)."""
    low = word.lower()
    if low in FUNCTIONS:
        return [("func", FUNCTIONS[low])]
    if word in CONSTANTS or low in ("pi", "inf", "infty", "infinity", "nan"):
        return [("const", CONSTANTS[low])]
    if low in GREEK:
        return [("name", low)]
    if low in SEPARATORS:
        return [("sep", low)]
    if len(word) == 1:
        return [("name", word)]
    if before_paren:
        raise AnswerError(f"unknown function '{word}' at position {pos}")
    if len(word) > 3:
        raise AnswerError(f"unexpected word '{word}' at position {pos}")
    return [("const", CONSTANTS[c]) if c in CONSTANTS else ("name", c) for c in word]


def _command(text: str, i: int, tokens: list[Token]) -> int:
    m = re.compile(r"\\([A-Za-z]+|.)").match(text, i)
    if m is None:
        raise AnswerError(f"lone backslash at position {i}")
    name = m[1]
    if name in _IGNORED_COMMANDS or name in _SPACE_COMMANDS:
        pass
    elif name in _COMMAND_OPS:
        tokens.append(Token("op", _COMMAND_OPS[name], i))
    elif name in ("frac", "dfrac", "tfrac"):
        tokens.append(Token("frac", "frac", i))
    elif name in FUNCTIONS:
        tokens.append(Token("func", FUNCTIONS[name], i))
    elif name in ("pi", "infty"):
        tokens.append(Token("const", CONSTANTS[name], i))
    elif name in GREEK:
        tokens.append(Token("name", name, i))
    else:
        raise AnswerError(f"unsupported LaTeX command '\\{name}' at position {i}")
    return m.end()
