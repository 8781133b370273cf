"""Fenced blocks (```lang ... ```) in a model's completion, found in one linear pass.

Every domain extracts its artifact from fenced blocks. A regular expression such as
``` ```[ \\t]*(\\w*)[^\\n]*\\n(.*?)``` ``` backtracks quadratically on a fence followed by a
long line without a newline; :func:`fences` uses ``str.find`` only, so its time is linear
in the length of the text whatever the text holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_TAG = re.compile(r"[ \t]*([A-Za-z0-9_+\-.]*)")


def fences(text: str) -> Iterator[tuple[str, str, bool]]:
    """Yield ``(tag, body, closed)`` for each fenced block from left to right.

    A fence is three backticks, an info line without backticks (its first word, lowercased,
    is the tag) and a newline; the body runs to the next three backticks, or to the end of
    the text for an unterminated block (always the last one yielded, with ``closed`` False).
    """
    pos = 0
    while True:
        start = text.find("```", pos)
        if start < 0:
            return
        eol = text.find("\n", start + 3)
        if eol < 0:
            return
        info = text[start + 3 : eol]
        if "`" in info:
            pos = start + 1  # not a fence opening here (as with four backticks)
            continue
        match = _TAG.match(info)
        tag = match.group(1).lower() if match else ""
        close = text.find("```", eol + 1)
        if close < 0:
            yield tag, text[eol + 1 :], False
            return
        yield tag, text[eol + 1 : close], True
        pos = close + 3
