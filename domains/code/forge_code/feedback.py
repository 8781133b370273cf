"""Feedback text for a code verdict, built from public cases only.

``specific``: names up to three failing tests exactly (``input=[15] expected='FizzBuzz'
got='Fizz'``, the exception with the candidate's line, ``timed out after 1s``), then
``... and 4 more failing tests``. ``score-only``: ``3/6 tests passed.``
"""

from __future__ import annotations

from forge.domain import FeedbackStyle, score_only_feedback
from forge.types import CaseResult, Verdict
from forge_code.plaindata import short_repr

MAX_SHOWN = 3
_OWN_MESSAGES = ("raised ", "timed out", "returned ")


def feedback_text(verdict: Verdict, style: FeedbackStyle = "specific") -> str:
    """Return short text a model can act on; hidden cases are never described."""
    if style == "score-only":
        return score_only_feedback(verdict)
    if verdict.status == "invalid":
        return verdict.message
    public = verdict.public
    if verdict.status == "passed":
        return f"All {len(public)} tests passed."
    if public and all(c.message.startswith("not run: ") for c in public):
        return _whole_program(verdict)
    failing = [c for c in public if not c.passed]
    if not failing:
        return (
            f"All {len(public)} shown tests pass, but the function is still wrong on other "
            "inputs. Check edge cases (empty input, negatives, duplicates)."
        )
    lines = [f"{len(public) - len(failing)}/{len(public)} tests passed. Failing:"]
    lines += [f"- {case_line(c)}" for c in failing[:MAX_SHOWN]]
    if len(failing) > MAX_SHOWN:
        more = len(failing) - MAX_SHOWN
        lines.append(f"... and {more} more failing test{'s' if more > 1 else ''}")
    return "\n".join(lines)


def case_line(case: CaseResult) -> str:
    """Return one feedback line naming a failing case's input and what went wrong.

    A case with neither input nor expected value (one added by an extra verifier, such as
    an import check) is shown by its name and message only.
    """
    if case.input is None and case.expected is None and case.message:
        return f"{case.name}: {case.message}"
    head = f"input={short_repr(case.input)}"
    if case.message.startswith(_OWN_MESSAGES):
        return f"{head} {case.message}"
    line = f"{head} expected={short_repr(case.expected)} got={short_repr(case.got)}"
    return f"{line} ({case.message})" if case.message else line


def _whole_program(verdict: Verdict) -> str:
    """Feedback when the code never reached the tests (syntax error, crash, global timeout)."""
    if verdict.status == "timeout":
        return f"The code {verdict.message}; it may loop forever or be far too slow."
    if verdict.status in ("memory", "output_limit", "crash", "rejected"):
        return f"The code was stopped: {verdict.message}."
    return f"The code failed to run: {verdict.message}"
