"""The ``gym`` domain: reasoning-gym's procedural tasks, scored by reasoning-gym in forge's sandbox.

Verdicts: no final answer -> ``invalid``; an answer the trusted-side screen refuses (too
long, or code where a scorer would evaluate it) -> ``rejected``; a scorer that raises ->
``error``; a score below 1 -> ``failed`` (the score is the partial credit); exactly 1.0 ->
``passed``. Feedback describes the answer's form (integer, list of 4 items, grid of 3 rows)
and never the reference answer, which for these tasks is the solution itself.
"""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path
from typing import Any

from forge.domain import Domain, FeedbackStyle, score_only_feedback
from forge.errors import TaskFormatError
from forge.types import CaseResult, Message, Task, Verdict

from forge_gym import extract, forms, screen, sources

RUNNER = "forge_gym.runner:score"
NO_ANSWER = "no final answer found: end your reply with 'Answer: <your answer>'"
BUILTIN = "default.yaml"


def limits() -> Any:
    """Return the sandbox limits of one scoring job.

    The wall clock includes a cold lane's import of reasoning-gym and its templates (a few
    seconds, more on a busy machine); CPU time and memory bound the scorer itself.
    """
    from forge.sandbox import Limits

    return Limits(wall_s=60.0, cpu_s=10.0, memory_mb=2048)


class GymDomain(Domain):
    """reasoning-gym generators as forge tasks."""

    name = "gym"
    version = "1"
    description = "reasoning-gym's procedural generators (arithmetic, logic, puzzles, ...), sandboxed scorers."

    def load_tasks(self, source: str | None) -> list[Task]:
        """Return the built-in mixture (``source`` None) or the tasks of a YAML mixture file."""
        if source is None:
            with resources.as_file(resources.files("forge_gym") / BUILTIN) as path:
                return sources.load_mixture(str(path))
        if Path(source).suffix.lower() not in (".yaml", ".yml"):
            raise TaskFormatError(
                f"'{source}' is not a YAML mixture.",
                "The gym domain reads .yaml mixtures; for one generator use --tasks 'gym:NAME?size=50'.",
            )
        return sources.load_mixture(source)

    def build_prompt(self, task: Task) -> list[Message]:
        """Return one user message: the question and how to end the reply."""
        return [{"role": "user", "content": f"{task.prompt}\n\n{_instruction(task)}"}]

    def repair_prompt(
        self, task: Task, artifact: str, verdict: Verdict, style: FeedbackStyle = "specific"
    ) -> list[Message]:
        """Return the question, the previous answer, what is wrong with it, and the instruction."""
        note = self.feedback(task, verdict, style)
        previous = (
            f"A previous answer was: {artifact}\nIt is not correct: {note}\n" if artifact else ""
        )
        content = f"{task.prompt}\n\n{previous}Try again. {_instruction(task)}"
        return [{"role": "user", "content": content}]

    def format_artifact(self, artifact: str) -> str:
        """Return the answer as a completion should end (an answer line, or tags for a grid)."""
        return f"<answer>\n{artifact}\n</answer>" if "\n" in artifact else f"Answer: {artifact}"

    def answer_complete(self, text: str) -> bool:
        """Return True once the answer line is finished or the answer tag is closed."""
        return extract.answer_complete(text)

    def extract(self, text: str) -> str | None:
        """Return the final answer in a completion, or None (see forge_gym.extract)."""
        return extract.extract_answer(text)

    def verify(self, task: Task, artifact: str | None, sandbox: Any) -> Verdict:
        """Screen ``artifact``, score it with the generator's scorer in the sandbox; never raises."""
        if artifact is None or not artifact.strip():
            return Verdict("invalid", message=NO_ANSWER, extra={"score": 0.0})
        start = time.perf_counter()
        screened = screen.screen(task.data["generator"], artifact, task.data.get("answer"))
        if screened.outcome == "wrong":
            return _verdict(
                task, artifact, {"score": 0.0}, {"duration_s": time.perf_counter() - start}
            )
        if screened.outcome != "ok":
            why = screened.reason
            case = CaseResult("answer", False, got=artifact[:200], message=why)
            return Verdict(
                "rejected", (case,), why, time.perf_counter() - start, extra={"score": 0.0}
            )
        from forge.sandbox import Job

        result = sandbox.run(Job(RUNNER, payload(task, [artifact]), limits()))
        timing = {"duration_s": result.duration_s, "isolation": tuple(result.isolation)}
        if result.status != "ok":
            return Verdict(result.status, message=result.message, extra={"score": 0.0}, **timing)
        return _verdict(task, artifact, first_result(result.value), timing)

    def feedback(self, task: Task, verdict: Verdict, style: FeedbackStyle = "specific") -> str:
        """Say what is wrong with the answer's form, or that the form is right but the answer not."""
        if style == "score-only":
            return score_only_feedback(verdict)
        if verdict.status == "passed":
            return "The answer is correct."
        wrong = [c.message for c in verdict.public if not c.passed and c.message]
        return "\n".join(wrong) or verdict.message or "The answer is not correct."

    def score(self, verdict: Verdict) -> float:
        """Return the scorer's score (partial credit), 1.0 only for a pass."""
        if verdict.status == "passed":
            return 1.0
        value = verdict.extra.get("score", 0.0)
        return float(value) if isinstance(value, (int, float)) and 0.0 <= value < 1.0 else 0.0


def payload(task: Task, answers: list[str]) -> dict[str, Any]:
    """Return the runner's input for scoring ``answers`` on ``task`` (plain data only)."""
    data = task.data
    entry = {"question": task.prompt, "answer": data.get("answer"), "metadata": data["metadata"]}
    return {
        "generator": data["generator"],
        "difficulty": data.get("difficulty"),
        "options": dict(data.get("options") or {}),
        "entry": entry,
        "answers": answers,
    }


def first_result(value: Any) -> dict[str, Any]:
    """Return the runner's first result, or an ``error`` result for anything malformed."""
    if isinstance(value, dict) and isinstance(value.get("setup_error"), str):
        return {"error": f"the scorer could not be set up: {value['setup_error']}"}
    results = value.get("results") if isinstance(value, dict) else None
    if isinstance(results, list) and results and isinstance(results[0], dict):
        return results[0]
    return {"error": "the scorer returned no result"}


def _verdict(task: Task, artifact: str, result: dict[str, Any], timing: dict) -> Verdict:
    score = result.get("score")
    if not isinstance(score, float) or not 0.0 <= score <= 1.0:
        error = result.get("error") or f"score out of range: {score!r}"
        why = f"the scorer could not read this answer ({error}); {_form_hint(task)}"
        case = CaseResult("answer", False, got=artifact[:200], message=why)
        return Verdict("error", (case,), why, extra={"score": 0.0}, **timing)
    passed = score == 1.0
    message = "" if passed else _wrong_message(task, artifact, score)
    case = CaseResult("answer", passed, got=artifact[:200], message=message)
    status = "passed" if passed else "failed"
    return Verdict(status, (case,), extra={"score": score}, **timing)


def _wrong_message(task: Task, artifact: str, score: float) -> str:
    expected = forms.Form.from_dict(task.data.get("form"))
    problem = forms.mismatch(expected, forms.describe(artifact)) if expected else ""
    if problem:
        return problem
    credit = f" (partial credit {score:.2f})" if score > 0 else ""
    right = f" ({expected.phrase()})" if expected and expected.kind != "text" else ""
    return f"the answer has the expected form{right} but is not correct{credit}"


def _form_hint(task: Task) -> str:
    expected = forms.Form.from_dict(task.data.get("form"))
    return f"it should be {expected.phrase()}" if expected else "check its format"


def _instruction(task: Task) -> str:
    expected = forms.Form.from_dict(task.data.get("form"))
    if expected is not None and expected.multiline:
        return "End your reply with the answer between <answer> and </answer>."
    hint = expected.placeholder() if expected is not None else "<answer>"
    return f"End your reply with the line 'Answer: {hint}'."
