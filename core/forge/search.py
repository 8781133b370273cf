"""Evolutionary search over a domain's artifacts: sample, verify, keep elites, repair with feedback.

The search is domain-agnostic: it only calls the Domain contract. Each generation, every
unsolved task's prompts are generated in one batch and verified in one batch, and stored as
one unit. It only ever looks at *public* checks: the score and the stop rule never use
hidden tests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from forge.attempts import Request, load_attempts, sample, verify_and_store
from forge.types import Attempt, Message, Task, best

if TYPE_CHECKING:
    from forge.phases import Phase
    from forge.session import Session


@dataclass
class TaskState:
    """Everything the search has verified for one task so far."""

    task: Task
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def public_solved_generation(self) -> int | None:
        """The first generation with an attempt passing every public check, or None."""
        gens = [a.candidate.generation for a in self.attempts if a.verdict.public_ok]
        return min(gens) if gens else None

    @property
    def public_solved(self) -> bool:
        """True once any attempt passed every public check (the search stops for this task)."""
        return self.public_solved_generation is not None

    def best(self) -> Attempt | None:
        """The attempt the search returns (see :func:`forge.types.best`)."""
        return best(self.attempts)

    def elites(self, k: int) -> list[Attempt]:
        """The best ``k`` attempts with distinct, non-empty artifacts."""
        seen: set[str] = set()
        out: list[Attempt] = []
        for attempt in sorted(self.attempts, key=lambda a: -a.score):
            art = (attempt.candidate.artifact or "").strip()
            if not art or art in seen:
                continue
            seen.add(art)
            out.append(attempt)
            if len(out) == k:
                break
        return out


def plan_generation(
    states: Sequence[TaskState],
    generation: int,
    population_size: int,
    elites: int,
    repairs_per_elite: int,
    first_prompt: Callable[[Task], list[Message]],
    repair_prompt: Callable[[Task, Attempt], list[Message]],
    include_solved: bool = False,
) -> list[Request]:
    """Return the generation's prompts: fresh samples at generation 0, repairs of elites after.

    Solved tasks get no requests, except at generation 0 with ``include_solved`` (a task
    its greedy seed solves is still sampled, so it yields training data). A task with no
    usable elite (every answer lacked an artifact) is sampled afresh instead of repaired.
    """
    requests: list[Request] = []
    for state in states:
        if state.public_solved and not (include_solved and generation == 0):
            continue
        chosen = state.elites(elites) if generation > 0 else []
        if not chosen:
            requests.append(Request(state.task, first_prompt(state.task), population_size))
            continue
        for attempt in chosen:
            requests.append(
                Request(
                    state.task,
                    repair_prompt(state.task, attempt),
                    repairs_per_elite,
                    parent_id=attempt.candidate.id,
                )
            )
    return requests


def run_search(
    session: Session, phase: Phase, tasks: Sequence[Task], seeds: dict[str, Attempt]
) -> list[TaskState]:
    """Run the evolutionary search on ``tasks``; each generation is one stored unit.

    ``seeds`` (task id -> an earlier phase's greedy answer) join generation 0 as stored
    copies of that attempt, so the search never reports less than the single pass and a
    task the greedy answer already solves is not searched again. Generations already
    stored (from an interrupted session) are loaded, not repeated.
    """
    cfg = session.config.search
    engine = session.engine(phase.name)
    stored = load_attempts(session.store, phase.name, tasks)
    states = [TaskState(t, stored[t.id]) for t in tasks]
    by_id = {s.task.id: s for s in states}
    for gen in range(cfg.generations + 1):
        unit = f"gen-{gen}"
        if session.store.unit_done(phase.name, unit):
            continue
        seeded = seed_attempts(phase.name, tasks, seeds) if gen == 0 else []
        for attempt in seeded:
            by_id[attempt.candidate.task_id].attempts.append(attempt)
        reqs = plan_generation(
            states,
            gen,
            cfg.population_size,
            cfg.elites,
            cfg.repairs_per_elite,
            session.domain.build_prompt,
            lambda task, a: session.repair_prompt(task, a),
            cfg.include_solved,
        )
        if not reqs:
            if seeded:
                session.store.commit_unit(phase.name, unit, seeded)
            break
        seed = generation_seed(session.config.seed, phase.name, gen)
        texts = sample(
            session, engine, reqs, cfg.temperature, seed, f"{phase.name} gen {gen}: generating"
        )
        for attempt in verify_and_store(session, phase.name, unit, reqs, texts, gen, seeded):
            by_id[attempt.candidate.task_id].attempts.append(attempt)
        solved = sum(s.public_solved for s in states)
        session.echo(f"  generation {gen}: {solved}/{len(states)} tasks pass their public tests")
    return states


def generation_seed(seed: int, phase: str, generation: int) -> int:
    """Return the sampling seed of one search generation.

    The phase enters through the length of its name (6 for ``search``, 12 for
    ``after_search``): the formula of forge's first version, kept so seeded runs reproduce.
    """
    return (seed * 1000 + generation * 17 + len(phase)) % (2**31)


def seed_attempts(phase: str, tasks: Sequence[Task], seeds: dict[str, Attempt]) -> list[Attempt]:
    """Copies of the seed answers as generation-0 attempts of ``phase`` (parent: the original)."""
    out = []
    for task in tasks:
        seed = seeds.get(task.id)
        if seed is None:
            continue
        cand = replace(
            seed.candidate,
            id=f"{phase}:{task.id}:g0:seed",
            generation=0,
            parent_id=seed.candidate.id,
            phase=phase,
        )
        out.append(replace(seed, candidate=cand))
    return out
