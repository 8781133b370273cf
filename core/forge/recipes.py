"""Training-data recipes: which examples the PAIRS phase makes from the stored attempts.

Every function here is a function of the training tasks' stored attempts (and a seed):

* **repair** (:func:`forge.pairs.repair_examples`): a weak answer shown with its feedback ->
  the task's best answer (rejected = the weak answer);
* **rft** (:func:`rft_examples`, rejection-sampling fine-tuning): the task's first-attempt
  prompt -> each distinct answer of the model's own to that prompt that passed the public
  checks (rejected = a failing answer to the same prompt, where one exists, for DPO);
* **rehearsal** (:func:`forge.pairs.rehearsal_examples`): a solved task's first-attempt
  prompt -> its passing answer, ``pairs.rehearsal_ratio`` per repair/RFT example;
* the **frontier** filter (:func:`frontier`): repair and RFT examples only from tasks whose
  pass rate among their first-attempt answers is strictly between 0 and 1;
* the **control** (:func:`shuffle_answers`): every example gets the answer of an example of
  another task: the same prompts, answers and count, with the link between them broken.

Only public checks decide what counts as verified here; hidden tests never choose data.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from forge.pairs import rehearsal_examples, repair_examples
from forge.types import Attempt, TrainingExample

if TYPE_CHECKING:
    from forge.config import PairsConfig
    from forge.domain import Domain, FeedbackStyle
    from forge.search import TaskState


def first_attempts(state: TaskState) -> list[Attempt]:
    """Return the task's answers to its first-attempt prompt: fresh samples (no parent) and a
    greedy seed copied into the search (id ending ``:seed``), oldest first."""
    return [
        a
        for a in state.attempts
        if a.candidate.parent_id is None or a.candidate.id.endswith(":seed")
    ]


def pass_rate(state: TaskState) -> float | None:
    """Return the share of first-attempt answers passing every public check (None: none)."""
    answers = first_attempts(state)
    if not answers:
        return None
    return sum(a.verdict.public_ok for a in answers) / len(answers)


def frontier(states: Sequence[TaskState]) -> list[TaskState]:
    """Return the tasks at the frontier: pass rate strictly between 0 and 1."""
    return [s for s in states if (r := pass_rate(s)) is not None and 0 < r < 1]


def rft_examples(
    domain: Domain,
    states: Sequence[TaskState],
    per_task: int,
    text: Literal["artifact", "completion"] = "artifact",
) -> list[TrainingExample]:
    """Return up to ``per_task`` RFT examples per task: first-attempt prompt -> a distinct
    passing answer of the model's own; rejected = a distinct failing answer to the same
    prompt (taken in turn) where the task has one. ``text`` picks what an answer is: the
    formatted artifact, or the model's whole completion."""

    def answer(a: Attempt) -> str:
        if text == "completion":
            return a.candidate.text
        return domain.format_artifact(a.candidate.artifact or "")

    out: list[TrainingExample] = []
    for state in states:
        passing, failing = _distinct(first_attempts(state))
        prompt = tuple(domain.build_prompt(state.task))
        for i, good in enumerate(passing[:per_task]):
            bad = failing[i % len(failing)] if failing else None
            out.append(
                TrainingExample(
                    task_id=state.task.id,
                    prompt=prompt,
                    chosen=answer(good),
                    rejected=answer(bad) if bad else None,
                    chosen_score=good.score,
                    rejected_score=bad.score if bad else 0.0,
                    kind="rft",
                )
            )
    return out


def _distinct(answers: Sequence[Attempt]) -> tuple[list[Attempt], list[Attempt]]:
    """Return the passing and the failing answers with distinct, non-empty artifacts."""
    seen: set[str] = set()
    passing: list[Attempt] = []
    failing: list[Attempt] = []
    for a in answers:
        art = (a.candidate.artifact or "").strip()
        if art and art not in seen:
            seen.add(art)
            (passing if a.verdict.public_ok else failing).append(a)
    return passing, failing


def shuffle_answers(
    examples: Sequence[TrainingExample], seed: int
) -> tuple[list[TrainingExample], int]:
    """Return the control: each example with the answer (chosen, rejected and their scores)
    of an example of another task, and how many could not leave their own task.

    Examples are grouped by task in a seeded random order and every answer moves forward by
    the size of the largest group, which sends each to another task whenever no task holds
    more than half of the examples (else the count says how many stayed).
    """
    rng = random.Random(seed)
    groups: dict[str, list[int]] = {}
    for i, e in enumerate(examples):
        groups.setdefault(e.task_id, []).append(i)
    order_keys = list(groups)
    rng.shuffle(order_keys)
    order = []
    for key in order_keys:
        members = groups[key]
        rng.shuffle(members)
        order += members
    n = len(order)
    shift = max((len(g) for g in groups.values()), default=0)
    out: list[TrainingExample] = list(examples)
    stayed = 0
    for pos, target in enumerate(order):
        source = examples[order[(pos + shift) % n]] if n else examples[target]
        stayed += source.task_id == examples[target].task_id
        out[target] = replace(
            examples[target],
            chosen=source.chosen,
            rejected=source.rejected,
            chosen_score=source.chosen_score,
            rejected_score=source.rejected_score,
        )
    return out, stayed


@dataclass
class Recipe:
    """What a recipe made: the examples and the facts the PAIRS phase records."""

    examples: list[TrainingExample]
    info: dict[str, Any]


def build_examples(
    domain: Domain,
    states: Sequence[TaskState],
    cfg: PairsConfig,
    style: FeedbackStyle,
    seed: int,
) -> Recipe:
    """Return the examples ``cfg`` asks for from the training tasks' ``states``."""
    source = frontier(states) if cfg.frontier else list(states)
    primary: list[TrainingExample] = []
    if "repair" in cfg.recipe:
        primary += repair_examples(domain, source, cfg.max_per_task, cfg.min_gain, style)
    if "rft" in cfg.recipe:
        primary += rft_examples(domain, source, cfg.rft_per_task, cfg.rft_text)
    rehearsal: list[TrainingExample] = []
    if "rehearsal" in cfg.recipe and primary:
        count = max(1, round(len(primary) * cfg.rehearsal_ratio))
        rehearsal = rehearsal_examples(domain, states, count, seed)
    examples = [*primary, *rehearsal]
    info: dict[str, Any] = {
        "recipe": list(cfg.recipe),
        "frontier": cfg.frontier,
        "tasks_used": len(source),
        "tasks_with_examples": len({e.task_id for e in examples}),
        "shuffled": cfg.shuffle_answers,
    }
    if cfg.shuffle_answers:
        examples, info["stayed_in_own_task"] = shuffle_answers(examples, seed)
    return Recipe(examples, info)
