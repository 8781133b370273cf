"""Tests for forge-regex: forge's DomainContract plus the checks specific to regexes.

Run with ``pytest`` after ``pip install -e .``: the contract loads the domain through
forge's plugin manager, exactly as ``forge run --domain regex`` does.
"""

from __future__ import annotations

import time

import pytest
from forge.testing import DomainContract

from forge_regex.domain import RegexDomain


class TestRegexContract(DomainContract):
    """forge's contract: identity, tasks, prompts, good answers pass, bad ones fail with feedback."""

    domain_name = "regex"
    min_tasks = 20
    good_answers = [
        ("digits", "```regex\n\\d+\n```"),
        ("hex-color", "Here you go:\n```regex\n#[0-9a-fA-F]{6}\n```"),
        ("doubled-word", "`([a-z]+) \\1`"),
    ]
    bad_answers = [
        ("digits", "```regex\n[a-z]+\n```"),  # wrong class
        ("letters-then-digits", "```regex\n[a-z]+\\d+\n```"),  # too loose
        ("digits", "```regex\n(unclosed\n```"),  # does not compile
    ]


@pytest.fixture(scope="module")
def domain() -> RegexDomain:
    return RegexDomain()


@pytest.fixture(scope="module")
def tasks(domain):
    return {t.id: t for t in domain.load_tasks(None)}


def test_every_reference_pattern_passes(domain, tasks, forge_sandbox):
    """The shipped tasks are solvable: each task's reference pattern passes all its strings."""
    assert len(tasks) == 20
    for task in tasks.values():
        verdict = domain.verify(task, task.data["reference"], forge_sandbox)
        assert verdict.status == "passed", (task.id, verdict.message)


def test_feedback_names_the_wrong_strings(domain, tasks, forge_sandbox):
    """Feedback says which public string should (not) have matched."""
    task = tasks["letters-then-digits"]
    verdict = domain.verify(task, "[a-z]+\\d*", forge_sandbox)
    assert verdict.status == "failed"
    text = domain.feedback(task, verdict)
    assert "should not match 'abc' but did" in text
    too_strict = domain.verify(task, "ab12", forge_sandbox)
    assert "should match 'zz99' but did not" in domain.feedback(task, too_strict)


def test_listing_the_examples_fails_on_hidden_strings(domain, tasks, forge_sandbox):
    """A pattern that enumerates the shown strings passes them all but fails the hidden ones."""
    task = tasks["digits"]
    verdict = domain.verify(task, "0|42|123456", forge_sandbox)
    assert verdict.public_ok and verdict.status == "failed"
    assert "wrong on other strings" in domain.feedback(task, verdict)
    assert "9081726354" not in domain.feedback(task, verdict)


def test_catastrophic_backtracking_is_a_timeout(domain, forge_sandbox):
    """(a+)+$ on a long non-matching string would hang re forever; it ends as a timeout."""
    from forge.types import Task

    task = Task(
        id="evil", domain="regex", prompt="p", data={"match": ["a"], "reject": ["a" * 40 + "!"]}
    )
    start = time.monotonic()
    verdict = domain.verify(task, "(a+)+", forge_sandbox)
    assert verdict.status == "timeout"
    assert "catastrophically" in domain.feedback(task, verdict)
    assert time.monotonic() - start < 10


def test_compile_error_is_an_error_verdict(domain, tasks, forge_sandbox):
    verdict = domain.verify(tasks["digits"], "(unclosed", forge_sandbox)
    assert verdict.status == "error"
    assert domain.feedback(tasks["digits"], verdict).startswith("the pattern does not compile:")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("```regex\n\\d+\n```", "\\d+"),
        ("```\n^[a-z]+$\n```", "^[a-z]+$"),
        ('```python\nr"\\d{3}"\n```', "\\d{3}"),
        ("The answer is `[0-9]+`.", "[0-9]+"),
        ("\\w+", "\\w+"),
        ("I think\nit is hard", None),
        ("```regex\n\n```", None),
        ("```python\nimport re\n\ndef f(s):\n    return re.fullmatch(r'[a-z]+', s)\n```", "[a-z]+"),
        ("Use re.search('x+y', text).", "x+y"),
    ],
)
def test_extract(domain, text, expected):
    assert domain.extract(text) == expected


def test_prompt_shows_one_worked_example(domain, tasks):
    messages = domain.build_prompt(tasks["digits"])
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[2]["content"] == "```regex\nx+\n```"
    assert "'123456'" in messages[-1]["content"]


def test_task_file_errors_name_the_line(domain, tmp_path):
    from forge.errors import TaskFormatError

    path = tmp_path / "tasks.jsonl"
    path.write_text('{"id": "a", "description": "x", "match": ["a"], "reject": []}\n{"id": "b"}\n')
    with pytest.raises(TaskFormatError, match=r"tasks.jsonl:2: missing description, match, reject"):
        domain.load_tasks(str(path))
