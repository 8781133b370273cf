"""Find the Python code in a raw model completion.

Order: the first closed ```python (or ```py / ```python3) block; else the first closed fenced
block of any language that looks like Python; else an unterminated fence (generation stopped
mid-block); else bare code (the completion parses as Python, chatter lines trimmed).
"""

from __future__ import annotations

import ast
import re

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+\-.]*)[^\n`]*\n(.*?)```", re.S)
_OPEN_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+\-.]*)[^\n`]*\n(.*)\Z", re.S)
_PY_TAGS = {"python", "py", "python3", "py3"}
_CODE_START = re.compile(r"^(def |class |import |from |@|async def )")
NO_CODE_MESSAGE = "no Python code found: answer with a ```python block"


def extract_code(text: str) -> str | None:
    """Return the Python source in ``text``, or None when there is none. Never raises."""
    if not isinstance(text, str) or not text.strip():
        return None
    blocks = [(m.group(1).lower(), m.group(2)) for m in _FENCE.finditer(text)]
    for tag, body in blocks:
        if tag in _PY_TAGS and body.strip():
            return _clean(body)
    for tag, body in blocks:
        if tag in ("", "python", "py") or _looks_like_python(body):
            if body.strip():
                return _clean(body)
    if not blocks:
        opened = _OPEN_FENCE.search(text)
        if opened and opened.group(2).strip():
            return _clean(opened.group(2).replace("```", ""))
    return _bare_code(text) if "```" not in text else None


def answer_complete(text: str) -> bool:
    """Return True once ``text`` holds a closed fenced code block with something in it."""
    return any(m.group(2).strip() for m in _FENCE.finditer(text or ""))


def _clean(body: str) -> str:
    """Strip trailing whitespace per block and make sure the code ends with a newline."""
    return body.strip("\n").rstrip() + "\n"


def _looks_like_python(body: str) -> bool:
    """Return True if a block of unknown language defines a function or parses as Python."""
    if re.search(r"^\s*def \w+\s*\(", body, re.M):
        return True
    return _parses(body)


def _parses(source: str) -> bool:
    """Return True if ``source`` parses as Python (never raises)."""
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _bare_code(text: str) -> str | None:
    """Return code written without a fence: from the first code-looking line to the last line
    that keeps it parsing; None if no line starts like code."""
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if _CODE_START.match(ln)), None)
    if start is None:
        return None
    for end in range(len(lines), start, -1):
        candidate = "\n".join(lines[start:end]).rstrip()
        if candidate and _parses(candidate):
            return candidate + "\n"
    return None
