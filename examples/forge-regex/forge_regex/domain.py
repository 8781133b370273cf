"""The regex domain: prompts, extraction, sandboxed verification and feedback.

The model answers with a pattern; it passes when ``re.fullmatch`` accepts every string it
must match and rejects every string it must not. Matching runs in forge's sandbox with a
short wall-clock limit, so a catastrophically backtracking pattern ends as ``timeout``.
"""

from __future__ import annotations

from typing import Any

from forge.domain import Domain, FeedbackStyle, score_only_feedback
from forge.types import CaseResult, Message, Task, Verdict

from forge_regex import tasks as task_file
from forge_regex.extract import extract_pattern

RUNNER = "forge_regex.runner:match_all"
MAX_PATTERN_CHARS = 1000
WALL_S = 1.0
FULLMATCH_NOTE = "The pattern must match the whole string (Python re.fullmatch)."
# One worked example (not one of the tasks) shows the answer format: a bare pattern.
EXAMPLE_TASK = (
    task_file.prompt_text("strings of one or more letters x.", ["x", "xxx"], ["", "xy", "y"])
    + "\n"
    + FULLMATCH_NOTE
)
EXAMPLE_ANSWER = "x+"
# Job statuses other than "ok" map one to one onto verdict statuses.
_JOB_TO_VERDICT = {
    "timeout": "timeout",
    "memory": "memory",
    "output_limit": "output_limit",
    "crash": "crash",
    "rejected": "rejected",
    "error": "error",
}


class RegexDomain(Domain):
    """Write a Python regular expression that matches exactly the described strings."""

    name = "regex"
    version = "1"
    description = "Write a regular expression; checked against strings it must and must not match."
    system_prompt = (
        "You write Python regular expressions. Reply with the pattern only, "
        "inside a ```regex code block."
    )

    def load_tasks(self, source: str | None) -> list[Task]:
        """Return the 20 built-in tasks (``source`` None) or the tasks in a JSONL file."""
        return task_file.load(source)

    def build_prompt(self, task: Task) -> list[Message]:
        """Return a system message, one worked example, and the task with its public examples."""
        return [
            {"role": "system", "content": self.system_prompt},
            {"role": "user", "content": EXAMPLE_TASK},
            {"role": "assistant", "content": self.format_artifact(EXAMPLE_ANSWER)},
            {"role": "user", "content": f"{task.prompt}\n{FULLMATCH_NOTE}"},
        ]

    def format_artifact(self, artifact: str) -> str:
        """Return the pattern fenced the way the prompt asks for it."""
        return f"```regex\n{artifact}\n```"

    def answer_complete(self, text: str) -> bool:
        """True once the completion holds a closed code block."""
        return text.count("```") >= 2

    def extract(self, text: str) -> str | None:
        """Return the pattern in a completion (see :mod:`forge_regex.extract`), or None."""
        return extract_pattern(text)

    def verify(self, task: Task, artifact: str | None, sandbox: Any) -> Verdict:
        """Match ``artifact`` against every string of ``task`` in the sandbox; never raises."""
        from forge.sandbox import Job, Limits

        if artifact is None:
            return Verdict("invalid", message="No pattern found. Reply with a ```regex block.")
        if len(artifact) > MAX_PATTERN_CHARS:
            return Verdict(
                "rejected", message=f"The pattern is longer than {MAX_PATTERN_CHARS} characters."
            )
        expected = _expectations(task)
        job = Job(
            RUNNER,
            {"pattern": artifact, "strings": [s for s, _, _ in expected]},
            Limits(wall_s=WALL_S, cpu_s=WALL_S, memory_mb=512),
        )
        return _verdict(sandbox.run(job), expected)

    def feedback(self, task: Task, verdict: Verdict, style: FeedbackStyle = "specific") -> str:
        """Name the public strings the pattern got wrong, or why it did not run."""
        if style == "score-only":
            return score_only_feedback(verdict)
        if verdict.status not in ("passed", "failed"):
            return verdict.message or verdict.status
        wrong = [c.message for c in verdict.public if not c.passed]
        if wrong:
            shown = wrong[:6] + ([f"... and {len(wrong) - 6} more"] if len(wrong) > 6 else [])
            return "\n".join(shown)
        if verdict.message:
            return verdict.message
        if verdict.status == "failed":
            return (
                "The pattern handles every example shown but is wrong on other strings of the "
                "same kind. Describe the rule instead of listing the examples."
            )
        return "All strings are handled correctly."


def _expectations(task: Task) -> list[tuple[str, bool, bool]]:
    """Return ``(string, should_match, hidden)`` for every string of ``task``."""
    data = task.data
    return [
        *((s, True, False) for s in data.get("match", ())),
        *((s, False, False) for s in data.get("reject", ())),
        *((s, True, True) for s in data.get("hidden_match", ())),
        *((s, False, True) for s in data.get("hidden_reject", ())),
    ]


def _verdict(result: Any, expected: list[tuple[str, bool, bool]]) -> Verdict:
    """Compare the sandbox's answers with ``expected`` on the trusted side."""
    common = {"duration_s": result.duration_s, "isolation": tuple(result.isolation)}
    if result.status != "ok":
        status = _JOB_TO_VERDICT.get(result.status, "error")
        return Verdict(status, message=_job_message(result.status, result.message), **common)
    value = result.value if isinstance(result.value, dict) else {}
    if "error" in value:
        return Verdict("error", message=str(value["error"]), **common)
    matched = value.get("matched")
    if not isinstance(matched, list) or len(matched) != len(expected):
        return Verdict("error", message="malformed result from the runner", **common)
    cases = tuple(
        _case(s, want, got is True, hidden)
        for (s, want, hidden), got in zip(expected, matched, strict=True)
    )
    return Verdict("passed" if all(c.passed for c in cases) else "failed", cases=cases, **common)


def _case(string: str, want: bool, got: bool, hidden: bool) -> CaseResult:
    """Build the case result for one string, with the feedback line when it is wrong."""
    verb = "match" if want else "not match"
    message = "" if want == got else f"should {verb} {string!r} but {'did not' if want else 'did'}"
    return CaseResult(
        name=f"{'match' if want else 'reject'} {string!r}",
        passed=want == got,
        input=string,
        expected=want,
        got=got,
        message=message,
        hidden=hidden,
    )


def _job_message(status: str, message: str) -> str:
    """Explain a sandbox outcome in words a model can act on."""
    if status == "timeout":
        return (
            f"{message or f'timed out after {WALL_S}s'}: the pattern backtracks catastrophically "
            "on some input; avoid nested quantifiers such as (a+)+."
        )
    return message or status
