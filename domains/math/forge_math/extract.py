"""Find the final answer in a free-text completion, and tidy it for parsing.

Markers, strongest first (the last occurrence of the strongest marker present wins):

1. ``\\boxed{...}`` (braces matched),
2. ``#### x`` (GSM8K style),
3. ``Answer: x`` / ``Final answer: x`` (any case, markdown bold allowed),
4. ``the answer is x``,
5. fallback: the last number in the text -- unless that number is part of an expression
   (``2^10``, ``x^2 + 1``, ``3(x+1)``), which is then the answer, judged as that expression
   (or rejected), never as its last number. A completion with no number and no marker has
   no answer, which is its own ``invalid`` verdict.

A completion longer than :data:`MAX_COMPLETION_CHARS` is not searched: it extracts to
:data:`TOO_LONG`, which the domain turns into an ``invalid`` verdict naming the limit.
"""

from __future__ import annotations

import re

_H = r"[^\S\n]*"  # horizontal space: no two adjacent quantifiers share characters (no ReDoS)
_ANSWER = re.compile(
    rf"(?i)(?:final\s+)?answer{_H}(?:is{_H})?(?:\*\*{_H})?[:：](?:\*\*)?{_H}([^\n]*)"
)
_ANSWER_IS = re.compile(rf"(?i)\bthe\s+(?:final\s+)?answer\s+is{_H}(?::{_H})?([^\n]*)")
_HASHES = re.compile(r"####[ \t]*([^\n]*)")
_LAST_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:\s*/\s*\d+)?")
_MARKER = re.compile(rf"(?i)answer{_H}(?:is{_H})?(?:\*\*{_H})?[:：]|####|the\s+answer\s+is")
_UNITS = re.compile(r"(?<=[\d%)])\s*[A-Za-z]{2,}\.?(?:\s+[A-Za-z]{2,}\.?)*\s*$")
_CURRENCY = re.compile(r"^(?:[$€£¥]|USD|EUR|Rs\.?)|(?:[$€£¥]|USD|EUR)$")
_THOUSANDS = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?![\d])")
_AFTERTHOUGHT = re.compile(r",?\s+(?:not|but|because|since|which|so|since)\s", re.IGNORECASE)
_FILLER = re.compile(
    r"^\s*(?:simply|just|about|approximately|approx\.?|exactly|equal\s+to|equals|is|=|:)(?:\s+|(?=[^A-Za-z]))",
    re.IGNORECASE,
)
MAX_ANSWER_CHARS = 400
MAX_COMPLETION_CHARS = 100_000
TOO_LONG = "<completion too long>"
_BEFORE = frozenset("^*/+-×÷·√(")  # an operand follows these: the number is inside an expression
_AFTER = frozenset("^*/+-×÷·)!")
_END = ".,;:!?"
_SPAN_TOKENS = 32


def extract_answer(text: str) -> str | None:
    """Return the final-answer text in ``text`` (see the module docstring), or None."""
    if len(text) > MAX_COMPLETION_CHARS:
        return TOO_LONG
    boxed = _last_boxed(text)
    if boxed is not None:
        return tidy(boxed) or None
    for pattern in (_HASHES, _ANSWER, _ANSWER_IS):
        found = [m.group(1) for m in pattern.finditer(text)]
        found = [tidy(f) for f in found if tidy(f)]
        if found:
            return found[-1]
    last = None
    for last in _LAST_NUMBER.finditer(text):  # noqa: B007 - the last match is the one
        pass
    if last is None:
        return None
    if _inside_expression(text, last.start(), last.end()):
        return tidy(_expression_around(text, last.start(), last.end())) or tidy(last.group())
    return tidy(last.group())


def _inside_expression(text: str, start: int, end: int) -> bool:
    """True if the number at ``text[start:end]`` is an operand of an operator or a name."""
    before = text[:start].rstrip()[-1:]
    after = text[end:].lstrip()[:1]
    glued = text[start - 1 : start].isalpha() or text[end : end + 1].isalpha()
    return glued or before in _BEFORE or after in _AFTER


def _expression_around(text: str, start: int, end: int) -> str:
    """Return the expression around ``text[start:end]``: words joined by operators.

    Words are whitespace-separated; a neighbour joins when an operator stands between them
    (``x^2 + 1``), never prose (a word of two or more letters that is no function or
    constant), and at most a few dozen words are looked at.
    """
    words = [text[m.start() : m.end()] for m in re.finditer(r"\S+", text)]
    spans = [m.span() for m in re.finditer(r"\S+", text)]
    here = next(i for i, (a, b) in enumerate(spans) if a <= start < b)
    first = last = here
    while first > 0 and here - first < _SPAN_TOKENS and _joins(words[first - 1], words[first]):
        first -= 1
    while (
        last + 1 < len(words)
        and last - here < _SPAN_TOKENS
        and _joins(words[last], words[last + 1])
    ):
        last += 1
    return text[spans[first][0] : spans[last][1]]


def _joins(left: str, right: str) -> bool:
    """True if two neighbouring words belong to one expression (an operator between them)."""
    if left.endswith(tuple(_END)) or not (_mathy(left) and _mathy(right)):
        return False
    return left[-1] in _BEFORE or left[-1] == "=" or right[0] in _AFTER or right[0] == "="


def _mathy(word: str) -> bool:
    """True for a word made of numbers, operators, single-letter names and known functions."""
    from forge_math.lexer import CONSTANTS, FUNCTIONS, GREEK

    core = word.rstrip(_END)
    if not core or not all(c.isalnum() or c in "^*/+-=()[]{}.,×÷·√!%|" for c in core):
        return False
    known = {*FUNCTIONS, *CONSTANTS, *GREEK}
    return all(len(w) < 2 or w.lower() in known for w in re.findall(r"[A-Za-z]+", core))


def answer_complete(text: str) -> bool:
    """Return True once ``text`` holds a finished answer line or a closed ``\\boxed{...}``."""
    if _last_boxed(text) is not None:
        return True
    for line in text[: text.rfind("\n") + 1].splitlines():  # finished lines only
        for m in _MARKER.finditer(line):
            if line[m.end() :].strip(" \t*"):
                return True
    return False


def tidy(answer: str) -> str:
    """Return ``answer`` without markdown, math delimiters, trailing sentence text and punctuation.

    Also cut: afterthoughts (``4, not 3`` -> ``4``; ``18 because ...`` -> ``18``) and leading
    filler words (``simply 2``, ``approximately 3.14``, ``= 5``).
    """
    s = re.sub(r"[^\S\n]+", " ", answer.strip())  # single spaces: every pattern below is linear
    s = re.split(r"\.\s|\.$|\n", s, maxsplit=1)[0] if re.search(r"\.(\s|$)", s) else s
    s = re.sub(r"^\*\*|\*\*$", "", s).replace("\\(", "").replace("\\)", "").replace("\\[", "")
    s = s.replace("\\]", "").strip()
    if s.startswith("$") and s.endswith("$") and len(s) > 1 and s.count("$") >= 2:
        s = s.strip("$")
    boxed = _last_boxed(s)
    if boxed is not None:
        s = boxed
    s = _AFTERTHOUGHT.split(s, maxsplit=1)[0]
    for _ in range(8):  # filler words, a bounded number of them
        shorter = _FILLER.sub("", s, count=1)
        if shorter == s:
            break
        s = shorter
    return s.strip().rstrip(".;:,!").strip()


def strip_units(answer: str) -> str:
    """Return a single-number answer without currency signs, thousands commas and unit words.

    ``$1,200.50`` -> ``1200.50``; ``18 apples`` -> ``18``; ``x + 2`` is left as it is.
    Used only when the expected answer is a number.
    """
    s = _CURRENCY.sub("", answer.strip()).strip()
    s = _CURRENCY.sub("", s).strip()
    s = _THOUSANDS.sub(lambda m: m[0].replace(",", ""), s)
    return _UNITS.sub("", s).strip()


def _last_boxed(text: str) -> str | None:
    start = max(text.rfind("\\boxed{"), text.rfind("\\fbox{"))
    if start < 0:
        return None
    i = text.index("{", start) + 1
    depth = 1
    for j in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return text[i:j].strip()
    return None
