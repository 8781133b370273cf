"""Find the regular expression in a raw completion.

Small models often answer a regex question with Python code (``re.fullmatch(r'[a-z]+', s)``)
instead of the bare pattern; the pattern inside such a call is taken, so the attempt is
judged on the regex it contains rather than thrown away as ``import re``.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL)
_INLINE = re.compile(r"`([^`\n]+)`")
_QUOTED = re.compile(r"""^[rR]?(['"])(.*)\1$""")
_RE_CALL = re.compile(
    r"""\bre\.(?:compile|fullmatch|match|search|findall|finditer|sub|split)\(\s*"""
    r"""[rR]?(['"])(.*?)(?<!\\)\1"""
)


def extract_pattern(text: str) -> str | None:
    """Return the pattern in ``text``: a code block, a ``re.*(...)`` call, inline code, or one line.

    Never raises; returns None when no pattern can be found.
    """
    fence = _FENCE.search(text)
    if fence:
        body = fence.group(2)
        call = _RE_CALL.search(body)
        candidate = call.group(2) if call else _first_line(body)
    elif _RE_CALL.search(text):
        candidate = _RE_CALL.search(text).group(2)
    elif _INLINE.search(text):
        candidate = _INLINE.search(text).group(1).strip()
    else:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        candidate = lines[0].strip() if len(lines) == 1 else ""
    quoted = _QUOTED.match(candidate)
    if quoted:
        candidate = quoted.group(2)
    return candidate or None


def _first_line(body: str) -> str:
    lines = [ln.strip() for ln in body.splitlines() if ln.strip()]
    return lines[0] if lines else ""
