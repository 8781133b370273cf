"""Extract weak->strong repair pairs and rehearsal examples from what the search verified.

A repair pair's prompt is the domain's own repair prompt (task, weak artifact, its
feedback); its target is a stronger artifact for the same task. Rehearsal examples
(task -> passing artifact) are mixed in so the model keeps answering directly.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from forge.domain import Domain, FeedbackStyle
from forge.search import Entry, TaskState
from forge.types import RepairPair


def extract_pairs(
    domain: Domain,
    states: Sequence[TaskState],
    max_per_task: int,
    min_gain: float,
    style: FeedbackStyle = "specific",
) -> list[RepairPair]:
    """Return up to ``max_per_task`` repair pairs per task, strongest targets and biggest gains first.

    Each weak artifact appears at most once per task; the target is the task's best artifact
    (a passing one where the search found it). Tasks whose best artifact is no better than
    everything else give no pairs.
    """
    pairs: list[RepairPair] = []
    for state in states:
        best = state.best()
        if best is None or not best.candidate.artifact:
            continue
        weak_seen: set[str] = set()
        weak = sorted(
            (e for e in state.entries if e.candidate.artifact and best.score - e.score >= min_gain),
            key=lambda e: e.score,
        )
        for entry in weak:
            art = entry.candidate.artifact.strip()  # type: ignore[union-attr]
            if art in weak_seen or art == best.candidate.artifact.strip():
                continue
            weak_seen.add(art)
            pairs.append(_repair_pair(domain, state, entry, best, style))
            if sum(p.task_id == state.task.id for p in pairs) >= max_per_task:
                break
    return pairs


def rehearsal_examples(
    domain: Domain, states: Sequence[TaskState], count: int, seed: int
) -> list[RepairPair]:
    """Return up to ``count`` task -> passing-artifact examples, one per solved task, shuffled by ``seed``."""
    solved = [s for s in states if (best := s.best()) is not None and best.verdict.public_ok]
    random.Random(seed).shuffle(solved)
    out = []
    for state in solved[:count]:
        best = state.best()
        assert best is not None and best.candidate.artifact
        out.append(
            RepairPair(
                task_id=state.task.id,
                messages=tuple(domain.build_prompt(state.task)),
                target=domain.format_artifact(best.candidate.artifact),
                weak_score=0.0,
                strong_score=best.score,
                kind="rehearsal",
            )
        )
    return out


def _repair_pair(
    domain: Domain, state: TaskState, weak: Entry, strong: Entry, style: FeedbackStyle
) -> RepairPair:
    messages = domain.repair_prompt(state.task, weak.candidate.artifact or "", weak.verdict, style)
    return RepairPair(
        task_id=state.task.id,
        messages=tuple(messages),
        target=domain.format_artifact(strong.candidate.artifact or ""),
        weak_score=weak.score,
        strong_score=strong.score,
        kind="repair",
    )


def training_examples(pairs: Sequence[RepairPair]) -> list[dict]:
    """Return pairs in the model layer's training format: ``{"messages": [...], "target": "..."}``."""
    return [{"messages": list(p.messages), "target": p.target} for p in pairs]
