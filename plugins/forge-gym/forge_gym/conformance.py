"""The scorer conformance check: does a generator's scorer tell right from wrong?

For a few items of each generator, through the same screen and sandboxed runner as real
verification: the reference answer must score exactly 1; the empty answer, the question
itself, another item's answer and the reference with a small corruption must all score
below 1. A generator that fails any probe, has no stored answer, or cannot generate is
*unsound*: its tasks are excluded unless a spec says ``allow_unsound=1``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from forge.errors import TaskFormatError
from forge.types import Task

from forge_gym import domain, generate, screen
from forge_gym.spec import Source

PROBES = ("reference", "empty", "question", "other item's answer", "corrupted reference")


@dataclass
class Result:
    """The outcome for one generator: sound, or the list of what failed."""

    generator: str
    failed: list[str] = field(default_factory=list)

    @property
    def sound(self) -> bool:
        """True when every probe behaved."""
        return not self.failed


def check(names: list[str], sandbox: Any, items: int = 3, seed: int = 0) -> dict[str, Result]:
    """Run the conformance check on ``names``; returns a Result per generator."""
    from forge.sandbox import Job

    plans: dict[str, list[tuple[Task, list[str]]]] = {}
    results = {name: Result(name) for name in names}
    for name in names:
        try:
            tasks = generate.generate(Source(name, size=items, seed=seed))
        except TaskFormatError as exc:
            results[name].failed.append(f"generation failed: {exc.one_line()}")
            continue
        if any(t.data["answer"] is None for t in tasks):
            results[name].failed.append("no stored answer (answer=None): nothing to check against")
            continue
        plans[name] = [(t, probes(t, tasks)) for t in tasks]
    jobs = [
        (
            name,
            task,
            answers,
            Job(domain.RUNNER, domain.payload(task, _screened(task, answers)), domain.limits()),
        )
        for name, plan in plans.items()
        for task, answers in plan
    ]
    outcomes = sandbox.run_many([job for *_, job in jobs])
    for (name, task, answers, _), outcome in zip(jobs, outcomes, strict=True):
        _judge(results[name], task, answers, outcome)
    return results


def probes(task: Task, siblings: list[Task]) -> list[str]:
    """Return the five probe answers for ``task``, in :data:`PROBES` order."""
    reference = str(task.data["answer"])
    others = [str(t.data["answer"]) for t in siblings if str(t.data["answer"]) != reference]
    other = others[0] if others else corrupt(corrupt(reference))
    return [reference, "", task.prompt, other, corrupt(reference)]


def corrupt(text: str) -> str:
    """Return ``text`` with one small change: its first digit, or first letter, moved by one.

    The first, not the last: a last digit can hide under a scorer's tolerance and a last
    letter is often an integration constant (``+ C`` -> ``+ D``, still right).
    """
    digit = re.search(r"\d", text)
    if digit:
        k = digit.start()
        return text[:k] + str((int(text[k]) + 1) % 10) + text[k + 1 :]
    letter = re.search(r"[A-Za-z]", text)
    if letter:
        k = letter.start()
        ch = text[k]
        base = ord("a") if ch.islower() else ord("A")
        return text[:k] + chr(base + (ord(ch) - base + 1) % 26) + text[k + 1 :]
    return text + "x"


def _screened(task: Task, answers: list[str]) -> list[str]:
    """Replace answers the trusted-side screen refuses with "" (they score 0 in real use)."""
    gen, ref = task.data["generator"], task.data["answer"]
    return [a if screen.screen(gen, a, ref).outcome == "ok" else "" for a in answers]


def _judge(result: Result, task: Task, answers: list[str], outcome: Any) -> None:
    if outcome.status != "ok":
        result.failed.append(f"scoring {task.id} ended with {outcome.status}: {outcome.message}")
        return
    value = outcome.value
    scored = value.get("results") if isinstance(value, dict) else None
    if not isinstance(scored, list) or len(scored) != len(answers):
        why = value.get("setup_error") if isinstance(value, dict) else None
        result.failed.append(f"the scorer could not run: {why or 'no results'}")
        return
    gate = screen.screen(task.data["generator"], answers[0], task.data["answer"])
    reference_gate = gate.reason or ("" if gate.outcome == "ok" else "treated as wrong")
    for probe, answer, got in zip(PROBES, answers, scored, strict=True):
        score = got.get("score") if isinstance(got, dict) else None
        if probe == "reference":
            if reference_gate:
                _add(result, f"the reference answer is refused by the screen ({reference_gate})")
            elif score != 1.0:
                shown = f"{score:g}" if isinstance(score, float) else f"raised {got.get('error')}"
                _add(result, f"the reference answer scored {shown}")
        elif isinstance(score, float) and score >= 1.0:
            _add(
                result,
                f"the {probe} scored 1.0"
                + (f" ({answer[:30]!r})" if probe.startswith("corrupted") else ""),
            )


def _add(result: Result, message: str) -> None:
    """Record ``message`` once per generator (the same failure on several items counts once)."""
    if not any(m.split(" (")[0] == message.split(" (")[0] for m in result.failed):
        result.failed.append(message)
