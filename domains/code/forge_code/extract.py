"""Find the Python code in a raw model completion, in time linear in its length.

Order: the first closed ```python (or ```py / ```python3) block; else the first closed fenced
block of any language that looks like Python; else an unterminated fence (generation stopped
mid-block); else bare code: the whole completion when it parses as Python, otherwise from
the first line that starts like code, with trailing chatter cut off.

A completion longer than :data:`MAX_COMPLETION_CHARS` is not searched at all: it extracts to
a short marker (:data:`TOO_LONG`) that the verifier turns into an ``invalid`` verdict
naming the limit. Fences are found with :func:`forge.fences.fences` (``str.find``, no regex
backtracking) and a bare completion is parsed a bounded number of times, never once per
prefix.
"""

from __future__ import annotations

import ast
import re

from forge.fences import fences

MAX_COMPLETION_CHARS = 100_000
TOO_LONG = "# forge: completion too long\n"
NO_CODE_MESSAGE = "no Python code found: answer with a ```python block"
TOO_LONG_MESSAGE = (
    f"the completion is longer than {MAX_COMPLETION_CHARS:,} characters, forge's limit: "
    "answer with one short ```python block"
)
_PY_TAGS = {"python", "py", "python3", "py3"}
_DEF_LINE = re.compile(r"[ \t]*def [A-Za-z_]\w*[ \t]*\(")
_CODE_START = re.compile(
    r"(?:def |class |import |from |@|async def |#|if __name__"
    r"|[A-Za-z_]\w*(?:[ \t]*,[ \t]*[A-Za-z_]\w*)*[ \t]*(?::[^=\n]*)?=(?!=))"
)
_TRIMS = 8  # parses tried while cutting chatter off the end of bare code


def extract_code(text: str) -> str | None:
    """Return the Python source in ``text``, or None when there is none. Never raises."""
    if not isinstance(text, str) or not text.strip():
        return None
    if len(text) > MAX_COMPLETION_CHARS:
        return TOO_LONG
    blocks = list(fences(text))
    closed = [(tag, body) for tag, body, done in blocks if done]
    for tag, body in closed:
        if tag in _PY_TAGS and body.strip():
            return _clean(body)
    for tag, body in closed:
        if (tag in ("", "python", "py") or _looks_like_python(body)) and body.strip():
            return _clean(body)
    if not closed:
        opened = next((body for _, body, done in blocks if not done), None)
        if opened is not None and opened.strip():
            return _clean(opened.replace("```", ""))
    return _bare_code(text) if "```" not in text else None


def answer_complete(text: str) -> bool:
    """Return True once ``text`` holds a closed fenced code block with something in it."""
    return any(done and body.strip() for _, body, done in fences(text or ""))


def _clean(body: str) -> str:
    """Strip trailing whitespace per block and make sure the code ends with a newline."""
    return body.strip("\n").rstrip() + "\n"


def _looks_like_python(body: str) -> bool:
    """Return True if a block of unknown language defines a function or parses as Python."""
    if any(_DEF_LINE.match(line) for line in body.splitlines()):
        return True
    return _parse_error(body) is None


def _parse_error(source: str) -> int | None:
    """Return None if ``source`` parses as Python, else the line of the error (never raises)."""
    try:
        ast.parse(source)
    except SyntaxError as exc:
        return exc.lineno or 0
    except (ValueError, RecursionError, MemoryError, OverflowError):
        return 0
    return None


def _bare_code(text: str) -> str | None:
    """Return code written without a fence, or None if no line starts like code.

    The whole completion when it parses (leading statements and all); otherwise from the
    first code-looking line, cutting trailing lines at the reported syntax error a bounded
    number of times.
    """
    lines = text.split("\n")  # the line numbering SyntaxError uses
    start = next((i for i, ln in enumerate(lines) if _CODE_START.match(ln)), None)
    if start is None:
        return None
    whole = text.strip("\n").rstrip()
    line = _parse_error(whole)
    if line is None:
        return whole + "\n"
    offset = len(text) - len(text.lstrip("\n"))  # the lines strip("\n") removed
    end = len(lines)
    for attempt in range(_TRIMS):
        if attempt or start > offset:  # else the first try is the whole text again
            candidate = "\n".join(lines[start:end]).rstrip()
            line = _parse_error(candidate)
            if line is None:
                return candidate + "\n"
            offset = start
        cut = offset + (line or 1) - 1  # the failing line, counted from the start of the text
        end = cut if start < cut < end else end - 1
        if end <= start:
            return None
    return None
