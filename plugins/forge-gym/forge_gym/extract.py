"""Find the final answer in a chatty completion, and say when a completion's answer is done.

In order: the last ``<answer>...</answer>`` block (reasoning-gym's own convention); the last
``Answer: ...`` (``Final answer:`` too, anywhere in a line; an empty one takes the lines below
it, up to a blank line); the last ``\\boxed{...}``; the last "the answer is ..."; an answer
tag left open; a reply of one short line. Markdown emphasis and
backticks around the answer (``**42**``), and a full stop after a number, are dropped.
"""

from __future__ import annotations

import re

_TAGGED = re.compile(r"<answer>(.*?)</answer>", re.DOTALL | re.IGNORECASE)
_OPEN_TAG = re.compile(r"<answer>(.*)\Z", re.DOTALL | re.IGNORECASE)
_LINE = re.compile(
    r"(?:^|(?<=[\s.!?*]))(?:final[ \t]+)?answer[ \t]*(?:is)?[ \t]*\**[ \t]*[:：][ \t]*(.*)$",
    re.IGNORECASE | re.MULTILINE,
)
_ANSWER_IS = re.compile(
    r"\banswer\b[^.\n:]{0,60}?\bis[ \t]+(.+?)[ \t]*$", re.IGNORECASE | re.MULTILINE
)
_BOXED = re.compile(r"\\boxed\{((?:[^{}]|\{[^{}]*\})*)\}")
_STOP = re.compile(r"(?<=[\d*`])\.$")
MAX_CHARS = 20_000


def extract_answer(text: str) -> str | None:
    """Return the final answer in ``text``, or None when there is none."""
    text = text[-MAX_CHARS * 2 :]
    tagged = _TAGGED.findall(text)
    if tagged:
        return _clean(tagged[-1])
    lines = list(_LINE.finditer(text))
    if lines:
        return _from_line(text, lines[-1])
    boxed = _BOXED.findall(text)
    if boxed:
        return _clean(boxed[-1])
    said = _ANSWER_IS.findall(text)
    if said:
        return _clean(said[-1].rstrip("."))
    opened = _OPEN_TAG.search(text)
    if opened:
        return _clean(opened.group(1))
    body = text.strip()
    if body and "\n" not in body and len(body) <= 200:
        return _clean(body)
    return None


def answer_complete(text: str) -> bool:
    """Return True once ``text`` holds a whole answer: a closed tag or a finished answer line."""
    if "</answer>" in text.lower():
        return True
    for match in _LINE.finditer(text):
        if match.group(1).strip() and match.end() < len(text):
            return True
    return False


def _from_line(text: str, match: re.Match[str]) -> str | None:
    rest = match.group(1).strip()
    if rest:
        return _clean(rest)
    block = []
    for line in text[match.end() :].lstrip("\n").splitlines():
        if not line.strip():
            break
        block.append(line.rstrip())
    return _clean("\n".join(block)) if block else None


def _clean(answer: str) -> str | None:
    for _ in range(2):
        answer = answer.strip().strip("*`").strip()
        answer = _STOP.sub("", answer) if "\n" not in answer else answer
    return answer[:MAX_CHARS] or None
