"""What each kind of phase does: single pass, search, pairs, train, measure (:mod:`forge.phases`).

:func:`run_phase` runs one phase of a session's plan and returns the stats it records.
Each function only uses the Domain contract and the session's seams (engine, trainer,
executor, store), so every domain and every engine runs through exactly this code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forge.attempts import load_attempts, single_pass
from forge.errors import UsageError
from forge.measure import run_measure
from forge.pairs import write_jsonl
from forge.recipes import build_examples
from forge.report.console import task_line
from forge.search import TaskState, run_search
from forge.store import RunStore
from forge.summary import phase_stats
from forge.trainlog import train_lines, train_stats
from forge.types import Attempt, Task

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
    """SEARCH / AFTER+SEARCH: the evolutionary search on training and held-out tasks;
    COLLECT: the same search on the training tasks only (an experiment's training data).

    The matching single pass's greedy answers (``phase.seed_from``) seed generation 0 when
    that phase ran in this run.
    """
    tasks = session.train if phase.tasks == "train" else session.tasks
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
    stats = _stats(session, {s.task.id: s.attempts for s in states}, phase.tasks != "train")
    stats["candidates"] = sum(len(s.attempts) for s in states)
    stats["solved_generation"] = {s.task.id: s.public_solved_generation for s in states}
    return stats


def _pairs(session: Session, phase: Phase) -> dict[str, Any]:
    """PAIRS: the configured recipe (``pairs.*``) on the training tasks' search attempts only
    (this run's, or those of the run ``pairs.from_run`` names)."""
    cfg = session.config
    stored, where = _training_attempts(session)
    states = [TaskState(t, stored[t.id]) for t in session.train]
    recipe = build_examples(session.domain, states, cfg.pairs, cfg.search.feedback, cfg.seed)
    examples = recipe.examples
    session.store.save_examples(examples)
    path = session.run_dir / "pairs.jsonl"
    write_jsonl(path, examples)
    kinds: Counter[str] = Counter(e.kind for e in examples)
    made = []
    for kind in cfg.pairs.recipe:
        tasks = len({e.task_id for e in examples if e.kind == kind})
        what = "repair pairs" if kind == "repair" else f"{kind} examples"
        made.append(
            f"{kinds[kind]} {what}" + (f" from {tasks} tasks" if kind != "rehearsal" else "")
        )
    control = " (answers shuffled across tasks: the control)" if cfg.pairs.shuffle_answers else ""
    source = f" (from {where})" if cfg.pairs.from_run else ""
    session.echo(f"  {', '.join(made)}{control}{source} -> {path}")
    return {"repair": kinds["repair"], "rehearsal": kinds["rehearsal"], **kinds, **recipe.info}


def _training_attempts(session: Session) -> tuple[dict[str, list[Attempt]], str]:
    """Return the training tasks' search attempts by task id, and where they came from.

    The data collection phase (``collect``) when the source run planned one, else ``search``.
    """
    source = session.config.pairs.from_run
    if source is None:
        names = session.store.get_meta("phase_list") or []
        phase = "collect" if "collect" in names else "search"
        return load_attempts(session.store, phase, session.train), f"this run's {phase} phase"
    store = _source_store(Path(source), session.train)
    try:
        names = store.get_meta("phase_list") or []
        phase = "collect" if "collect" in names else "search"
        if store.phase_status(phase) != "done":
            raise UsageError(
                f"pairs.from_run '{source}' has not finished its {phase} phase.",
                "Finish (resume) that run first.",
            )
        return load_attempts(store, phase, session.train), f"{source} ({phase})"
    finally:
        store.close()


def _source_store(run_dir: Path, train: list[Task]) -> RunStore:
    """Open the run ``pairs.from_run`` names; its training tasks must be ``train``."""
    if not (run_dir / "forge.db").is_file():
        raise UsageError(
            f"pairs.from_run '{run_dir}' is not a run folder (no forge.db).",
            "Name the folder of a run that collected data (forge run or an experiment).",
        )
    store = RunStore(run_dir / "forge.db")
    if [t.id for t in store.load_split("train")] != [t.id for t in train]:
        store.close()
        raise UsageError(
            f"pairs.from_run '{run_dir}' has other training tasks than this run.",
            "Use the same tasks settings (source, heldout, split_seed, limits) in both.",
        )
    return store


def _train(session: Session, phase: Phase) -> dict[str, Any]:
    """TRAIN: the configured trainer on the stored examples; records the adapter for AFTER."""
    cfg = session.config.train
    examples = session.store.examples()
    kinds = Counter(e.kind for e in examples)
    n_primary = len(examples) - kinds["rehearsal"]
    if n_primary < cfg.min_pairs:
        what = " + ".join(f"{kinds[k]} {k}" for k in ("repair", "rft") if kinds[k]) or "0"
        reason = (
            f"only {n_primary} repair pairs (train.min_pairs is {cfg.min_pairs}); "
            if set(kinds) <= {"repair", "rehearsal"}
            else f"only {what} examples besides rehearsal (train.min_pairs is {cfg.min_pairs}); "
        ) + "the AFTER phases use the unchanged model"
        session.echo(f"  skipped: {reason}")
        return {"skipped": reason, "pairs": len(examples)}
    counts = " + ".join(
        f"{n} repair pairs" if k == "repair" else f"{n} {k} examples" for k, n in kinds.items()
    )
    session.echo(f"  {counts}, {cfg.iters} iterations ({cfg.method})")
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


def _measure(session: Session, phase: Phase) -> dict[str, Any]:
    """MEASURE / MEASURE AFTER: greedy and sampled answers on held-out and transfer tasks."""
    return run_measure(session, phase)


def _stats(session: Session, attempts: dict[str, Any], heldout: bool = True) -> dict[str, Any]:
    held = [t.id for t in session.heldout] if heldout else []
    return phase_stats(attempts, [t.id for t in session.train], held)


RUNNERS: dict[str, Callable[[Session, Phase], dict[str, Any]]] = {
    "single": _single,
    "search": _search,
    "pairs": _pairs,
    "train": _train,
    "measure": _measure,
}
"""The function that runs each kind of phase."""
