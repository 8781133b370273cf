"""Extraction takes bounded time on any input up to the size cap, and refuses larger ones.

A fence followed by 60 KB without a newline hung ``forge verify`` (regex backtracking),
40,000 unclosed lines hung it (``ast.parse`` of every prefix), and a 12 MB candidate took
gigabytes. Times are CPU seconds of this process, so a busy machine does not fail them.
"""

from __future__ import annotations

import ast
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forge_code.extract import (
    MAX_COMPLETION_CHARS,
    TOO_LONG,
    TOO_LONG_MESSAGE,
    answer_complete,
    extract_code,
)

LIMIT_S = 1.0
CAP = MAX_COMPLETION_CHARS


def _timed(text: str) -> tuple[str | None, float]:
    start = time.process_time()
    out = extract_code(text)
    answer_complete(text)
    return out, time.process_time() - start


ADVERSARIAL = {
    "fence then no newline": "```" + "a" * (CAP - 3),
    "tagged fence then no newline": "```python " + "a" * (CAP - 10),
    "unclosed code lines": "def f(x):\n" + "    y = (x +\n" * ((CAP - 10) // 13),
    "unclosed tuples": "\n".join(["x = (1,"] * (CAP // 8)),
    "nested parentheses": "x = " + "(" * (CAP - 4),
    "unary chain": "x = " + "-" * (CAP - 5) + "1",
    "binary chain": "x = " + "1+" * ((CAP - 5) // 2) + "1",
    "many fences": "```\n" * (CAP // 4),
    "many blocks": "```python\nx\n" * (CAP // 12),
    "assignments then chatter": "a = 1\n" * ((CAP - 2000) // 6) + "This is chatter.\n" * 100,
    "backtick soup": "`" * CAP,
    "defs without bodies": "def f(\n" * (CAP // 7),
    "blank lines then code": "\n" * (CAP - 20) + "def f(): pass",
    "long string": "x = '" + "a" * (CAP - 6),
    "chatter every other line": "def f(x):\n" + "    return x\nwhy?\n" * (CAP // 18),
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_inputs_up_to_the_cap_finish_quickly(name: str) -> None:
    text = ADVERSARIAL[name]
    assert len(text) <= CAP
    _, seconds = _timed(text)
    assert seconds < LIMIT_S, f"{name}: {seconds:.2f}s"


def test_larger_inputs_are_refused_at_once_with_the_cap_named(domain, builtin) -> None:
    text = "```python\n" + "x = 1\n" * 2_000_000  # 12 MB
    artifact, seconds = _timed(text)
    assert artifact == TOO_LONG and seconds < 0.1
    verdict = domain.verify(builtin["add"], artifact, sandbox=None)
    assert (verdict.status, verdict.message) == ("invalid", TOO_LONG_MESSAGE)
    assert "100,000 characters" in domain.feedback(builtin["add"], verdict)


PIECES = [
    "```", "```python\n", "```py", "\n", "def f(", "):", "    ", "(", ")", "[", "]", "'",
    '"', "a", "=", "#", " ", "x", "\t", "\\", ":", "if ", "import os", "`", "return ",
    "class C:", "@d", "lambda", "+", "-", "not ", "Here is the code:", "\r\n", "\x00",
]  # fmt: skip


@st.composite
def completions(draw: st.DrawFn) -> str:
    """Random text, code-ish token soup, and a small pattern repeated up to the cap."""
    kind = draw(st.sampled_from(["text", "tokens", "repeated"]))
    if kind == "text":
        return draw(st.text(max_size=2000))
    tokens = "".join(draw(st.lists(st.sampled_from(PIECES), max_size=60)))
    if kind == "tokens" or not tokens:
        return tokens
    return tokens * (draw(st.integers(1, CAP)) // len(tokens) or 1)


@settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(completions())
def test_random_inputs_finish_quickly_and_bare_code_parses(text: str) -> None:
    out, seconds = _timed(text[:CAP])
    assert seconds < LIMIT_S, f"{len(text)} chars: {seconds:.2f}s"
    assert out is None or isinstance(out, str)
    if out is not None and "```" not in text:
        ast.parse(out)  # bare code is only ever code that parses
