"""Extracting code from raw completions, and knowing when an answer is complete."""

from __future__ import annotations

import pytest

from forge_code.extract import NO_CODE_MESSAGE, answer_complete, extract_code

CODE = "def f(x):\n    return x + 1\n"


@pytest.mark.parametrize(
    "text",
    [
        f"```python\n{CODE}```",
        f"Sure! Here is the function:\n\n```python\n{CODE}```\n\nIt adds one.",
        f"```py\n{CODE}```",
        f"```\n{CODE}```",
        f"Here: ```python\n{CODE}```",
        f"```python\n{CODE}",  # generation stopped before the closing fence
        CODE + "\nThis function returns x plus one.",  # bare code with chatter after it
        "Here is the code:\n" + CODE,  # bare code with chatter before it
    ],
)
def test_finds_the_code(text: str) -> None:
    assert extract_code(text) == CODE


def test_first_python_block_wins_over_other_languages() -> None:
    text = f"```bash\npip install nothing\n```\n```python\n{CODE}```\n```python\ndef g(): pass\n```"
    assert extract_code(text) == CODE


def test_untagged_block_used_when_no_python_block() -> None:
    text = f"Output:\n```text\nhello world\n```\n```\n{CODE}```"
    assert extract_code(text) == CODE


def test_keeps_indentation_of_a_function_body() -> None:
    assert extract_code("```python\n    return len(s)\n```") == "    return len(s)\n"


@pytest.mark.parametrize(
    "text",
    ["", "   ", "I don't know.", "```\n\n```", "```" * 7, "a" * 20000, "The answer is 42."],
)
def test_no_code_gives_none(text: str) -> None:
    assert extract_code(text) is None


def test_no_code_message_names_the_format() -> None:
    assert NO_CODE_MESSAGE == "no Python code found: answer with a ```python block"


def test_answer_complete_only_after_a_closed_block() -> None:
    assert not answer_complete("Sure! ```python\ndef f(x):\n    return x")
    assert not answer_complete("def f(x):\n    return x\n")
    assert not answer_complete("```\n\n```")
    assert answer_complete(f"Sure!\n```python\n{CODE}```")
    assert answer_complete(f"```python\n{CODE}```\nand some more text")
