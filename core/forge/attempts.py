"""Generate and verify: turn prompts into stored, verified attempts (one unit of work each).

Both kinds of measured phase use these steps: a single pass (one greedy answer per task)
and each generation of a search. A unit's attempts are committed to the run store in one
transaction, so an interrupted run resumes at a unit boundary and never loses a verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from forge.params import SamplingParams
from forge.types import Attempt, Candidate, Message, Task

if TYPE_CHECKING:
    from forge.domain import Domain
    from forge.protocols import Engine
    from forge.session import Session
    from forge.store import RunStore

SINGLE_PASS_CHUNK = 16
"""Tasks per stored unit of a single pass: a resumed run repeats at most this many answers."""

GREEDY_POOL = 4
"""Greedy units generated in one batched call. A chunk alone leaves the batch emptying
while its longest answers finish (on llama.cpp a 16-task HumanEval chunk ran its last
minute on one or two sequences); pooled, the next chunk's prompts refill the free streams.
Each unit is still verified and stored on its own, so a resume repeats at most
``GREEDY_POOL * SINGLE_PASS_CHUNK`` answers."""


@dataclass(frozen=True)
class Request:
    """A prompt to sample ``n`` times for one task, with the attempt it repairs (if any)."""

    task: Task
    messages: list[Message]
    n: int
    parent_id: str | None = None


def sample(
    session: Session,
    engine: Engine,
    requests: Sequence[Request],
    temperature: float,
    seed: int,
    label: str,
) -> list[list[str]]:
    """Generate ``n`` completions for every request in one batched call, with a progress bar."""
    cfg = session.config.search
    params = SamplingParams(
        temperature=temperature, top_p=cfg.top_p, max_tokens=cfg.max_tokens, seed=seed
    )
    total = sum(r.n for r in requests)
    bar = session.progress(label, total) if session.progress else None
    done = [0]

    def on_progress(finished: int, _total: int) -> None:
        if bar is not None and finished > done[0]:
            bar.update(finished - done[0])
            done[0] = finished

    try:
        return engine.generate(
            [r.messages for r in requests],
            n=[r.n for r in requests],
            params=params,
            stop=session.domain.answer_complete,
            progress=on_progress,
        )
    finally:
        if bar is not None:
            bar.update(total - done[0])
            bar.finish()


def verify_and_store(
    session: Session,
    phase: str,
    unit: str,
    requests: Sequence[Request],
    texts: Sequence[Sequence[str]],
    generation: int,
    stored_with: Sequence[Attempt] = (),
) -> list[Attempt]:
    """Extract and verify every completion, store them as one unit, fire hooks; return them.

    ``stored_with`` are attempts verified earlier that belong to the same unit (a search's
    seed answers); they are committed with it but not returned.
    """
    candidates = _candidates(session.domain, phase, requests, texts, generation)
    by_id = {r.task.id: r.task for r in requests}
    verdicts = session.verify([(by_id[c.task_id], c.artifact) for c in candidates])
    attempts = [
        Attempt(c, v, session.score(v), session.feedback(by_id[c.task_id], v))
        for c, v in zip(candidates, verdicts, strict=True)
    ]
    session.store.commit_unit(phase, unit, [*stored_with, *attempts])
    for a in attempts:
        session.fire(
            "candidate_verified", run=session.handle, candidate=a.candidate, verdict=a.verdict
        )
    return attempts


def _candidates(
    domain: Domain,
    phase: str,
    requests: Sequence[Request],
    texts: Sequence[Sequence[str]],
    generation: int,
) -> list[Candidate]:
    """Return one candidate per completion, keyed ``phase:task:g<generation>:<index>``."""
    out: list[Candidate] = []
    per_task: dict[str, int] = {}
    for req, outs in zip(requests, texts, strict=True):
        for text in outs:
            idx = per_task.get(req.task.id, 0)
            per_task[req.task.id] = idx + 1
            out.append(
                Candidate(
                    id=f"{phase}:{req.task.id}:g{generation}:{idx}",
                    task_id=req.task.id,
                    text=text,
                    artifact=safe_extract(domain, text),
                    generation=generation,
                    parent_id=req.parent_id,
                    phase=phase,
                )
            )
    return out


def greedy_units(
    session: Session,
    engine: Engine,
    phase: str,
    units: Sequence[tuple[str, Sequence[Request]]],
    seed: int,
    generation: int = 0,
) -> None:
    """Generate, verify and store every unit of ``units`` not stored yet, at temperature 0.

    Called by the single pass and the measure phases with ``(unit name, requests)`` in
    order; :data:`GREEDY_POOL` units share one batched ``generate`` call, and each unit is
    committed separately (so what a resume finds is the same as without pooling).
    """
    todo = [(name, list(reqs)) for name, reqs in units if not session.store.unit_done(phase, name)]
    for start in range(0, len(todo), GREEDY_POOL):
        pool = todo[start : start + GREEDY_POOL]
        reqs = [r for _, part in pool for r in part]
        names = ", ".join(name for name, _ in pool)
        texts = sample(session, engine, reqs, 0.0, seed, f"{phase} {names}: generating")
        at = 0
        for name, part in pool:
            verify_and_store(session, phase, name, part, texts[at : at + len(part)], generation)
            at += len(part)


def single_pass(session: Session, phase: str, tasks: Sequence[Task]) -> dict[str, Attempt]:
    """Greedy single pass, one answer per task, stored in chunks so a resume loses little.

    Returns the attempt for every task, including those stored by an earlier session.
    """
    units = [
        (
            f"chunk-{start // SINGLE_PASS_CHUNK}",
            [
                Request(t, session.domain.build_prompt(t), 1)
                for t in tasks[start : start + SINGLE_PASS_CHUNK]
            ],
        )
        for start in range(0, len(tasks), SINGLE_PASS_CHUNK)
    ]
    greedy_units(session, session.engine(phase), phase, units, session.config.seed)
    stored = load_attempts(session.store, phase, tasks)
    return {tid: found[0] for tid, found in stored.items() if found}


def load_attempts(store: RunStore, phase: str, tasks: Sequence[Task]) -> dict[str, list[Attempt]]:
    """Return the attempts stored for ``phase``, per task id (every task present, oldest first)."""
    out: dict[str, list[Attempt]] = {t.id: [] for t in tasks}
    for attempt in store.attempts(phase):
        if attempt.candidate.task_id in out:
            out[attempt.candidate.task_id].append(attempt)
    return out


def safe_extract(domain: Domain, text: str) -> str | None:
    """Return ``domain.extract(text)``; an exception or a value that is not a str (a domain
    bug, which the contract tests catch) counts as no artifact."""
    try:
        artifact = domain.extract(text)
    except Exception:  # noqa: BLE001 - extraction failures are invalid verdicts, not crashes
        return None
    return artifact if isinstance(artifact, str) else None
