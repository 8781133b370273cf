"""What each kind of phase does: single pass, search, pairs, train (see :mod:`forge.phases`).

:func:`run_phase` runs one phase of a session's plan and returns the stats it records.
Each function only uses the Domain contract and the session's seams (engine, trainer,
executor, store), so every domain and every engine runs through exactly this code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from forge.attempts import load_attempts, single_pass
from forge.pairs import rehearsal_examples, repair_examples, write_jsonl
from forge.report.console import task_line
from forge.search import TaskState, run_search
from forge.summary import phase_stats
from forge.trainlog import train_lines, train_stats

if TYPE_CHECKING:
    from forge.phases import Phase
    from forge.session import Session


def run_phase(session: Session, phase: Phase) -> dict[str, Any]:
    """Run ``phase`` (resuming its stored units) and return the stats to record with it."""
    return RUNNERS[phase.kind](session, phase)


def _single(session: Session, phase: Phase) -> dict[str, Any]:
    """BEFORE / AFTER: one greedy answer per task, training and held-out."""
    tasks = session.tasks
    found = single_pass(session, phase.name, tasks)
    for task in tasks:
        if task.id in found:
            session.echo(task_line(task.id, found[task.id], session.is_heldout(task.id)))
    return _stats(session, {tid: [a] for tid, a in found.items()})


def _search(session: Session, phase: Phase) -> dict[str, Any]:
    """SEARCH / AFTER+SEARCH: the evolutionary search on training and held-out tasks.

    The matching single pass's greedy answers (``phase.seed_from``) seed generation 0 when
    that phase ran in this run.
    """
    tasks = session.tasks
    seeds = {}
    if phase.seed_from:
        stored = load_attempts(session.store, phase.seed_from, tasks)
        seeds = {tid: found[0] for tid, found in stored.items() if found}
    states = run_search(session, phase, tasks, seeds)
    for s in states:
        top = s.best()
        if top is not None:
            gen = s.public_solved_generation
            note = f"solved in generation {gen}" if gen is not None else "not solved"
            line = task_line(s.task.id, top, session.is_heldout(s.task.id))
            session.echo(f"{line}  ({note}, {len(s.attempts)} candidates)")
    stats = _stats(session, {s.task.id: s.attempts for s in states})
    stats["candidates"] = sum(len(s.attempts) for s in states)
    stats["solved_generation"] = {s.task.id: s.public_solved_generation for s in states}
    return stats


def _pairs(session: Session, phase: Phase) -> dict[str, Any]:
    """PAIRS: repair examples and rehearsal from the SEARCH phase's training tasks only."""
    cfg = session.config
    stored = load_attempts(session.store, "search", session.train)
    states = [TaskState(t, stored[t.id]) for t in session.train]
    repair = repair_examples(
        session.domain, states, cfg.pairs.max_per_task, cfg.pairs.min_gain, cfg.search.feedback
    )
    count = max(1, round(len(repair) * cfg.pairs.rehearsal_ratio)) if repair else 0
    rehearsal = rehearsal_examples(session.domain, states, count, cfg.seed)
    examples = [*repair, *rehearsal]
    session.store.save_examples(examples)
    path = session.run_dir / "pairs.jsonl"
    write_jsonl(path, examples)
    session.echo(
        f"  {len(repair)} repair pairs from {len({e.task_id for e in repair})} tasks, "
        f"{len(rehearsal)} rehearsal examples -> {path}"
    )
    return {"repair": len(repair), "rehearsal": len(rehearsal)}


def _train(session: Session, phase: Phase) -> dict[str, Any]:
    """TRAIN: the configured trainer on the stored examples; records the adapter for AFTER."""
    cfg = session.config.train
    examples = session.store.examples()
    n_repair = sum(e.kind == "repair" for e in examples)
    if n_repair < cfg.min_pairs:
        reason = (
            f"only {n_repair} repair pairs (train.min_pairs is {cfg.min_pairs}); "
            "the AFTER phases use the unchanged model"
        )
        session.echo(f"  skipped: {reason}")
        return {"skipped": reason, "pairs": len(examples)}
    session.echo(
        f"  {n_repair} repair pairs + {len(examples) - n_repair} rehearsal examples, "
        f"{cfg.iters} iterations ({cfg.method})"
    )
    out = session.run_dir / "adapter"
    result = session.train_adapter(examples, out, "training")
    session.store.save_train_log(result.losses)
    session.store.set_meta("adapter", str(out))
    losses = [v for _, v in result.losses]
    if losses:
        session.echo(
            f"  loss {losses[0]:.3f} -> {losses[-1]:.3f}, {result.tokens_per_s:.0f} tok/s, "
            f"peak {result.peak_memory_mb:.0f} MB, {result.seconds:.0f}s"
        )
    for line in train_lines(result, cfg.validation_fraction, len({e.task_id for e in examples})):
        session.echo(f"  {line}")
    if result.truncated or result.dropped:
        session.echo(
            f"  {result.truncated} examples cut to train.max_seq_len={cfg.max_seq_len} tokens, "
            f"{result.dropped} left out (prompt alone too long); raise it to train on them whole"
        )
    return {
        "iters": result.iters,
        "first_loss": losses[0] if losses else None,
        "final_loss": losses[-1] if losses else None,
        "tokens_per_s": result.tokens_per_s,
        "peak_memory_mb": result.peak_memory_mb,
        "truncated": result.truncated,
        "dropped": result.dropped,
        "skipped": None,
        "pairs": len(examples),
        "method": cfg.method,
        **train_stats(result),
    }


def _stats(session: Session, attempts: dict[str, Any]) -> dict[str, Any]:
    return phase_stats(attempts, [t.id for t in session.train], [t.id for t in session.heldout])


RUNNERS: dict[str, Callable[[Session, Phase], dict[str, Any]]] = {
    "single": _single,
    "search": _search,
    "pairs": _pairs,
    "train": _train,
}
"""The function that runs each kind of phase."""
