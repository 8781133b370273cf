"""The ``math`` domain: free-text answers checked for exact, numeric or symbolic equivalence.

Verdicts: no final answer -> ``invalid``; an answer the grammar cannot read (including anything
hostile) -> ``rejected`` with the reason; a wrong or undecided answer -> ``failed`` with one case
per expected value; otherwise ``passed``. Candidate text is never evaluated: it is parsed by
:mod:`forge_math.parser` into plain lists, and only those reach sympy, inside the sandbox.
"""

from __future__ import annotations

import time
from typing import Any

from forge import sanitize
from forge.domain import Domain, FeedbackStyle, score_only_feedback
from forge.errors import TaskFormatError
from forge.types import CaseResult, Message, Task, Verdict
from forge_math import tasks as task_files
from forge_math.decide import DEFAULT_RTOL, Decision, JobInfo, approximate, decide_pairs
from forge_math.errors import AnswerError
from forge_math.extract import (
    MAX_COMPLETION_CHARS,
    TOO_LONG,
    answer_complete,
    extract_answer,
    strip_units,
)
from forge_math.lexer import MAX_CHARS
from forge_math.matching import match
from forge_math.parser import Answer, parse_answer
from forge_math.render import render
from forge_math.shapes import Plan, infer_type, plan

NO_ANSWER = "could not find a final answer: end with 'Answer: <value>'"
TOO_LONG_MESSAGE = (
    f"the completion is longer than {MAX_COMPLETION_CHARS:,} characters, forge's limit: "
    "end with a short 'Answer: <value>'"
)
BUDGET_S = 2.0
_PLACEHOLDER = {
    "number": "<number>",
    "fraction": "<number>",
    "expression": "<expression>",
    "equation": "<equation>",
    "tuple": "(a, b)",
    "set": "<all values, comma-separated>",
    "interval": "<interval like [a, b)>",
}


class MathDomain(Domain):
    """Math word problems and algebra, verified by equivalence to a reference answer."""

    name = "math"
    version = "1"
    description = (
        "Math answers checked by exact, numeric and symbolic equivalence (sandboxed sympy)."
    )

    def load_tasks(self, source: str | None) -> list[Task]:
        """Return the built-in tasks (``source`` None) or the tasks in a JSONL file."""
        return task_files.builtin_tasks() if source is None else task_files.load_file(source)

    def build_prompt(self, task: Task) -> list[Message]:
        """Return one user message: the problem and how to end the reply."""
        hint = _PLACEHOLDER.get(task.data.get("answer_type", "number"), "<value>")
        return [{"role": "user", "content": f"{task.prompt}\nEnd with 'Answer: {hint}'."}]

    def repair_prompt(
        self, task: Task, artifact: str, verdict: Verdict, style: FeedbackStyle = "specific"
    ) -> list[Message]:
        """Return a compact retry prompt: the problem, the previous answer and the feedback."""
        first = self.build_prompt(task)[0]["content"]
        note = self.feedback(task, verdict, style)
        previous = f"Previous answer: {artifact}\n" if artifact else ""
        return [{"role": "user", "content": f"{first}\n{previous}{note}\nTry again."}]

    def format_artifact(self, artifact: str) -> str:
        """Return the answer as the line a completion should end with."""
        return f"Answer: {artifact}"

    def answer_complete(self, text: str) -> bool:
        """Return True once an answer line is finished or a ``\\boxed{}`` is closed."""
        return answer_complete(text)

    def extract(self, text: str) -> str | None:
        """Return the final-answer text of a completion, or None (see forge_math.extract)."""
        return extract_answer(text)

    def verify(self, task: Task, artifact: str | None, sandbox: Any) -> Verdict:
        """Return the verdict for ``artifact`` against the task's reference; never raises."""
        if artifact is None or not artifact.strip():
            return Verdict("invalid", message=NO_ANSWER)
        if artifact == TOO_LONG:
            return Verdict("invalid", message=TOO_LONG_MESSAGE)
        return sanitize.guard(lambda: self._verify(task, artifact, sandbox))

    def _verify(self, task: Task, artifact: str, sandbox: Any) -> Verdict:
        start = time.perf_counter()
        ref = _reference(task)
        answer_type = task.data.get("answer_type") or infer_type(ref)
        text = strip_units(artifact) if answer_type in ("number", "fraction") else artifact
        try:
            if len(text) > MAX_CHARS:  # the length as written, before any normalising
                raise AnswerError(
                    f"answer is too long ({len(text)} characters; the limit is {MAX_CHARS})"
                )
            cand = parse_answer(text)
        except AnswerError as exc:
            why = f"could not read your answer: {exc}"
            case = CaseResult("answer", False, got=artifact[:200], message=why)
            return Verdict("rejected", (case,), why, time.perf_counter() - start)
        the_plan = plan(cand, ref, answer_type)
        approx = approximate(text) or approximate(str(task.data["answer"]))
        cases, info, outcome = self._check(task, the_plan, sandbox, approx)
        status = "passed" if cases and all(c.passed for c in cases) else "failed"
        failing = [c.message for c in cases if not c.passed] or ["wrong answer"]
        message = "" if status == "passed" else failing[0]
        if outcome == "undecided":
            message = f"undecided: {message}"
        return Verdict(
            status,
            tuple(cases),
            message,
            time.perf_counter() - start,
            info.isolation,
            {"decision": outcome, "answer_type": answer_type, "sandbox": info.status},
        )

    def _check(
        self, task: Task, the_plan: Plan, sandbox: Any, approx: bool = False
    ) -> tuple[list[CaseResult], JobInfo, str]:
        """Return the cases, the sandbox report, and equal / differ / undecided overall.

        ``approx``: a long decimal was written, so values compare within the tolerance.
        """
        reference = task.data["answer"]
        if the_plan.mismatch:
            case = CaseResult("answer", False, expected=reference, message=the_plan.mismatch)
            return [case], JobInfo(), "differ"
        tolerance = task.data.get("tolerance", DEFAULT_RTOL if approx else None)
        budget = float(task.data.get("time_limit", BUDGET_S))
        form = task.data.get("form")
        if the_plan.is_set:
            return match(the_plan, sandbox, tolerance, budget, reference, form)
        pairs = [p for slot in the_plan.slots for p in slot.alts]
        decisions, info = decide_pairs(pairs, sandbox, tolerance, budget, form)
        cases, k = [], 0
        outcomes = []
        for slot in the_plan.slots:
            if slot.fixed is not None:
                ok, message = slot.fixed, slot.message
                outcomes.append("equal" if ok else "differ")
            else:
                chosen = _combine(decisions[k : k + len(slot.alts)])
                k += len(slot.alts)
                ok, message = chosen.outcome == "equal", chosen.message
                outcomes.append(chosen.outcome)
            got = render(slot.alts[0].cand[0]) if slot.alts else None
            cases.append(CaseResult(slot.name, ok, expected=reference, got=got, message=message))
        return cases, info, _overall(outcomes, cases)

    def feedback(self, task: Task, verdict: Verdict, style: FeedbackStyle = "specific") -> str:
        """Return what to fix, from public cases only and without revealing the reference."""
        if style == "score-only":
            return score_only_feedback(verdict)
        if verdict.status == "passed":
            return "Your answer is correct."
        if verdict.status == "invalid":
            return _sentence(verdict.message or NO_ANSWER)
        if verdict.status == "rejected":
            return _sentence(verdict.message) + " Write a plain value, e.g. 'Answer: 7/12'."
        notes = [c.message for c in verdict.public if not c.passed and c.message]
        return " ".join(_sentence(n) for n in dict.fromkeys(notes[:3])) or _sentence(
            verdict.message or "your answer is not correct"
        )

    def score(self, verdict: Verdict) -> float:
        """Return 1.0 for a pass, else the share of expected values answered (below 1)."""
        if verdict.status == "passed":
            return 1.0
        if verdict.total == 0:
            return 0.0
        return min(verdict.passed / verdict.total, 0.99)


def _reference(task: Task) -> Answer:
    """Return the task's parsed reference; a task without a readable one is a task error."""
    try:
        return parse_answer(str(task.data["answer"]))
    except (KeyError, AnswerError) as exc:
        raise TaskFormatError(
            f"Math task '{task.id}' has no readable reference answer ({exc})."
        ) from None


def _combine(decisions: list[Decision]) -> Decision:
    """Equal if any alternative is equal; differ only if all differ; else undecided."""
    for d in decisions:
        if d.outcome == "equal":
            return d
    undecided = [d for d in decisions if d.outcome == "undecided"]
    return undecided[0] if undecided else decisions[0]


def _overall(outcomes: list[str], cases: list[CaseResult]) -> str:
    if all(c.passed for c in cases):
        return "equal"
    return "undecided" if "undecided" in outcomes and "differ" not in outcomes else "differ"


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
