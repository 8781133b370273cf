"""Feedback text: exact failing cases, caps, styles, and hidden tests never shown."""

from __future__ import annotations

from forge.types import CaseResult, Verdict
from forge_code.extract import NO_CODE_MESSAGE
from forge_code.feedback import case_line, feedback_text
from forge_code.verify import error_text

SECRET = "s3cr3t-hidden-input"


def case(i: int, passed: bool, got="x", message: str = "", hidden: bool = False) -> CaseResult:
    return CaseResult(f"t{i}", passed, [i], "FizzBuzz", got, message, hidden)


def test_names_the_failing_case_exactly() -> None:
    verdict = Verdict("failed", (case(3, True), case(15, False, got="Fizz")))
    assert (
        feedback_text(verdict)
        == "1/2 tests passed. Failing:\n- input=[15] expected='FizzBuzz' got='Fizz'"
    )


def test_exception_and_timeout_lines() -> None:
    raised = CaseResult(
        "t",
        False,
        [0],
        1,
        None,
        "raised " + error_text("ZeroDivisionError", "division by zero", 3, "return a / b"),
    )
    assert (
        case_line(raised)
        == "input=[0] raised ZeroDivisionError: division by zero (line 3: return a / b)"
    )
    timed = CaseResult("t", False, [5], 1, None, "timed out after 1s")
    assert case_line(timed) == "input=[5] timed out after 1s"
    assert (
        error_text("SyntaxError", "expected ':'", 1, "def f(x)")
        == "SyntaxError: expected ':' (line 1: def f(x))"
    )
    assert (
        error_text("", "the code does not define function 'f'", 0, "")
        == "the code does not define function 'f'"
    )


def test_caps_the_list_of_failures() -> None:
    verdict = Verdict("failed", tuple(case(i, False) for i in range(7)))
    lines = feedback_text(verdict).splitlines()
    assert lines[0] == "0/7 tests passed. Failing:"
    assert len(lines) == 5 and lines[-1] == "... and 4 more failing tests"


def test_score_only_style() -> None:
    verdict = Verdict("failed", tuple(case(i, i < 3) for i in range(6)))
    assert feedback_text(verdict, "score-only") == "3/6 tests passed."


def test_hidden_cases_never_appear() -> None:
    hidden = CaseResult("h1", False, [SECRET], SECRET, SECRET, "raised KeyError: " + SECRET, True)
    verdict = Verdict("failed", (case(1, False), hidden))
    assert SECRET not in feedback_text(verdict)
    only_hidden = Verdict("failed", (case(1, True), case(2, True), hidden))
    text = feedback_text(only_hidden)
    assert SECRET not in text and text.startswith("All 2 shown tests pass, but")


def test_whole_program_failures() -> None:
    assert feedback_text(Verdict("invalid", message=NO_CODE_MESSAGE)) == NO_CODE_MESSAGE
    not_run = (CaseResult("t1", False, [1], 1, None, "not run: x"),)
    assert feedback_text(
        Verdict("error", not_run, "SyntaxError: invalid syntax (line 2: x =)")
    ) == ("The code failed to run: SyntaxError: invalid syntax (line 2: x =)")
    assert feedback_text(Verdict("crash", not_run, "killed by signal SIGSEGV")) == (
        "The code was stopped: killed by signal SIGSEGV."
    )


def test_long_values_are_cut() -> None:
    line = case_line(CaseResult("t", False, [list(range(500))], "a" * 500, "b" * 500))
    assert len(line) < 300 and "..." in line


def test_repair_prompt_is_compact_and_specific(domain, builtin, forge_sandbox) -> None:
    task = builtin["fizzbuzz"]
    code = "def fizzbuzz(n):\n    if n % 3 == 0:\n        return 'Fizz'\n    return str(n)\n"
    verdict = domain.verify(task, code, forge_sandbox)
    (message,) = domain.repair_prompt(task, code, verdict)
    text = message["content"]
    assert message["role"] == "user"
    assert "Your previous code:\n```python\ndef fizzbuzz(n):" in text
    assert "- input=[15] expected='FizzBuzz' got='Fizz'" in text
    assert text.endswith("Fix the code. Reply with the whole function in one ```python code block.")
    assert "'98'" not in text  # hidden test values stay hidden
    assert len(text) < 1200  # about 300 tokens for a small model


def test_huge_return_value_is_a_case_error(domain, builtin, forge_sandbox) -> None:
    verdict = domain.verify(
        builtin["add"], "def add(a, b):\n    return 'x' * (8 << 20)\n", forge_sandbox
    )
    assert "- input=[1, 2] returned a value larger than 1 MB" in domain.feedback(
        builtin["add"], verdict
    )
