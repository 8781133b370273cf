"""Evolutionary search over a domain's artifacts: sample, verify, keep elites, repair with feedback.

The search is domain-agnostic: it only calls the Domain contract. Each generation, every
unsolved task's prompts are generated in one batch and verified in one batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from forge.types import Candidate, Message, Task, Verdict


@dataclass
class Entry:
    """One verified candidate with its score and the feedback the model would see."""

    candidate: Candidate
    verdict: Verdict
    score: float
    feedback: str


@dataclass
class TaskState:
    """Everything the search has verified for one task so far."""

    task: Task
    entries: list[Entry] = field(default_factory=list)

    @property
    def solved_generation(self) -> int | None:
        """The first generation with a candidate passing every public test, or None."""
        gens = [e.candidate.generation for e in self.entries if e.verdict.public_ok]
        return min(gens) if gens else None

    @property
    def solved(self) -> bool:
        """True once any candidate passed every public test (the search stops for this task)."""
        return self.solved_generation is not None

    def best(self) -> Entry | None:
        """The entry the search returns: highest public score, earliest on ties."""
        ranked = self.ranked()
        return ranked[0] if ranked else None

    def ranked(self) -> list[Entry]:
        """Entries by descending score (stable: earlier candidates first on ties)."""
        return sorted(self.entries, key=lambda e: -e.score)

    def elites(self, k: int) -> list[Entry]:
        """The best ``k`` entries with distinct, non-empty artifacts."""
        seen: set[str] = set()
        out: list[Entry] = []
        for entry in self.ranked():
            art = (entry.candidate.artifact or "").strip()
            if not art or art in seen:
                continue
            seen.add(art)
            out.append(entry)
            if len(out) == k:
                break
        return out


@dataclass(frozen=True)
class Request:
    """A prompt to sample ``n`` times for one task, with the parent it repairs (if any)."""

    task: Task
    messages: list[Message]
    n: int
    parent_id: str | None = None


def plan_generation(
    states: Sequence[TaskState],
    generation: int,
    population_size: int,
    elites: int,
    repairs_per_elite: int,
    first_prompt: Callable[[Task], list[Message]],
    repair_prompt: Callable[[Task, Entry], list[Message]],
) -> list[Request]:
    """Return the generation's prompts: fresh samples at generation 0, repairs of elites after.

    Solved tasks get no requests. A task with no usable elite (every answer lacked an
    artifact) is sampled afresh instead of repaired.
    """
    requests: list[Request] = []
    for state in states:
        if state.solved:
            continue
        chosen = state.elites(elites) if generation > 0 else []
        if not chosen:
            requests.append(Request(state.task, first_prompt(state.task), population_size))
            continue
        for entry in chosen:
            requests.append(
                Request(
                    state.task,
                    repair_prompt(state.task, entry),
                    repairs_per_elite,
                    parent_id=entry.candidate.id,
                )
            )
    return requests
