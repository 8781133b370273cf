"""Find the final answer in a free-text completion, and tidy it for parsing.

Markers, strongest first (the last occurrence of the strongest marker present wins):

1. ``\\boxed{...}`` (braces matched),
2. ``#### x`` (GSM8K style),
3. ``Answer: x`` / ``Final answer: x`` (any case, markdown bold allowed),
4. ``the answer is x``,
5. fallback: the last number in the text (documented; a completion with no number and no
   marker has no answer, which is its own ``invalid`` verdict).
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


def extract_answer(text: str) -> str | None:
    """Return the final-answer text in ``text`` (see the module docstring), or None."""
    boxed = _last_boxed(text)
    if boxed is not None:
        return tidy(boxed) or None
    for pattern in (_HASHES, _ANSWER, _ANSWER_IS):
        found = [m.group(1) for m in pattern.finditer(text)]
        found = [tidy(f) for f in found if tidy(f)]
        if found:
            return found[-1]
    numbers = _LAST_NUMBER.findall(text)
    return tidy(numbers[-1]) if numbers else None


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
    s = answer.strip()[: MAX_ANSWER_CHARS * 2]
    s = re.split(r"\.\s|\.$|\n", s, maxsplit=1)[0] if re.search(r"\.(\s|$)", s) else s
    s = re.sub(r"^\*\*|\*\*$", "", s).replace("\\(", "").replace("\\)", "").replace("\\[", "")
    s = s.replace("\\]", "").strip()
    if s.startswith("$") and s.endswith("$") and len(s) > 1 and s.count("$") >= 2:
        s = s.strip("$")
    boxed = _last_boxed(s)
    if boxed is not None:
        s = boxed
    s = _AFTERTHOUGHT.split(s, maxsplit=1)[0]
    while (shorter := _FILLER.sub("", s, count=1)) != s:
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
