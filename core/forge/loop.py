"""The phase orchestrator behind ``forge run``: BEFORE, SEARCH, PAIRS, TRAIN, AFTER, AFTER-search.

Each phase is recorded in the run store when it finishes; a resumed run skips finished
phases and finished units inside a phase. The loop only uses the Domain contract, so
every domain (built-in or plugin) runs through exactly this code.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from forge import phases as ph
from forge.pairs import extract_pairs, rehearsal_examples, training_examples
from forge.search import Entry
from forge.types import Task

PHASES = ("before", "search", "pairs", "train", "after", "after_search")
TITLES = {
    "before": "BEFORE: single pass (greedy)",
    "search": "EVOLVING: search with feedback",
    "pairs": "PAIRS: weak -> strong repair pairs",
    "train": "TRAINING: LoRA on the pairs",
    "after": "AFTER: single pass with the adapter",
    "after_search": "AFTER: search with the adapter",
}


def split_tasks(
    tasks: Sequence[Task], heldout: Sequence[Task] | float, seed: int
) -> tuple[list[Task], list[Task]]:
    """Return ``(train, heldout)``: a seeded random fraction of ``tasks``, or the given held-out tasks.

    Given held-out tasks are removed from the training side when ids overlap.
    """
    if not isinstance(heldout, (int, float)):
        ids = {t.id for t in heldout}
        return [t for t in tasks if t.id not in ids], list(heldout)
    order = list(tasks)
    random.Random(seed).shuffle(order)
    k = math.ceil(len(order) * float(heldout)) if heldout > 0 else 0
    if len(order) >= 2:
        k = min(max(k, 1 if heldout > 0 else 0), len(order) - 1)
    held_ids = {t.id for t in order[:k]}
    return [t for t in tasks if t.id not in held_ids], [t for t in tasks if t.id in held_ids]


def run_loop(
    ctx: ph.Context,
    run_dir: Path,
    train: list[Task],
    heldout: list[Task],
    phases: Sequence[str] = PHASES,
) -> dict[str, Any]:
    """Run (or resume) every phase in ``phases`` and return the summary written to ``summary.json``.

    On resume the caller loads ``ctx.lm`` with the run's adapter when TRAIN is already done.
    """
    for name in phases:
        if ctx.store.phase_status(name) == "done":
            ctx.echo(f"{TITLES[name]}: already done, skipped on resume")
            continue
        ctx.echo(f"\n{TITLES[name]}")
        ctx.store.start_phase(name)
        t0 = time.perf_counter()
        try:
            stats = PHASE_FUNCS[name](ctx, name, run_dir, train, heldout)
        except BaseException:
            ctx.store.add_phase_seconds(name, time.perf_counter() - t0)
            raise
        stats["seconds"] = round(time.perf_counter() - t0, 3)
        ctx.store.finish_phase(name, stats["seconds"], stats)
        ctx.fire("phase_finished", run=ctx.run, phase=name, stats=stats)
    return build_summary(ctx, run_dir, train, heldout)


# ----- phases ---------------------------------------------------------------------------
def _single(
    ctx: ph.Context, phase: str, run_dir: Path, train: list[Task], heldout: list[Task]
) -> dict[str, Any]:
    """BEFORE / AFTER: one greedy answer per task, training and held-out."""
    entries = ph.single_pass(ctx, phase, [*train, *heldout])
    for task in [*train, *heldout]:
        e = entries.get(task.id)
        if e is not None:
            ctx.echo(_task_line(task, e, heldout))
    return _stats(
        {t.id: entries.get(t.id) for t in train}, {t.id: entries.get(t.id) for t in heldout}
    )


def _search_phase(
    ctx: ph.Context, phase: str, run_dir: Path, train: list[Task], heldout: list[Task]
) -> dict[str, Any]:
    """SEARCH / AFTER-search: the evolutionary search on training and held-out tasks.

    The matching single pass's greedy answers (BEFORE for SEARCH, AFTER for AFTER-search)
    seed generation 0 when that phase ran in this run.
    """
    tasks = [*train, *heldout]
    seeds = {
        tid: s.entries[0]
        for tid, s in ph.load_entries(ctx, SEED_PHASE[phase], tasks).items()
        if s.entries
    }
    states = ph.search(ctx, phase, tasks, seeds)
    held_ids = {t.id for t in heldout}
    for s in states:
        best = s.best()
        if best is not None:
            gen = s.solved_generation
            note = f"solved in generation {gen}" if gen is not None else "not solved"
            ctx.echo(f"{_task_line(s.task, best, heldout)}  ({note}, {len(s.entries)} candidates)")
    best = {s.task.id: s.best() for s in states}
    stats = _stats(
        {k: v for k, v in best.items() if k not in held_ids},
        {k: v for k, v in best.items() if k in held_ids},
    )
    stats["candidates"] = sum(len(s.entries) for s in states)
    stats["solved_generation"] = {s.task.id: s.solved_generation for s in states}
    return stats


def _pairs(
    ctx: ph.Context, phase: str, run_dir: Path, train: list[Task], heldout: list[Task]
) -> dict[str, Any]:
    cfg = ctx.config
    states = list(ph.load_entries(ctx, "search", train).values())
    repair = extract_pairs(
        ctx.domain, states, cfg.pairs.max_per_task, cfg.pairs.min_gain, cfg.search.feedback
    )
    count = max(1, round(len(repair) * cfg.pairs.rehearsal_ratio)) if repair else 0
    rehearsal = rehearsal_examples(ctx.domain, states, count, cfg.seed)
    pairs = [*repair, *rehearsal]
    ctx.store.save_pairs(pairs)
    with open(run_dir / "pairs.jsonl", "w", encoding="utf-8") as fh:
        for p in pairs:
            fh.write(json.dumps(p.to_dict()) + "\n")
    ctx.echo(
        f"  {len(repair)} repair pairs from {len({p.task_id for p in repair})} tasks, "
        f"{len(rehearsal)} rehearsal examples -> {run_dir / 'pairs.jsonl'}"
    )
    return {"repair": len(repair), "rehearsal": len(rehearsal)}


def _train(
    ctx: ph.Context, phase: str, run_dir: Path, train: list[Task], heldout: list[Task]
) -> dict[str, Any]:
    cfg = ctx.config.train
    pairs = ctx.store.pairs()
    n_repair = sum(p.kind == "repair" for p in pairs)
    if n_repair < cfg.min_pairs:
        reason = (
            f"only {n_repair} repair pairs (train.min_pairs is {cfg.min_pairs}); "
            "the AFTER phases use the unchanged model"
        )
        ctx.echo(f"  skipped: {reason}")
        return {"skipped": reason, "pairs": len(pairs)}
    ctx.echo(
        f"  {n_repair} repair pairs + {len(pairs) - n_repair} rehearsal examples, {cfg.iters} iterations"
    )
    bar = ctx.progress("training", cfg.iters) if ctx.progress else None
    last = [0]

    def on_progress(it: int, total: int, loss: float) -> None:
        if bar is not None and it > last[0]:
            bar.update(it - last[0])
            last[0] = it

    result = ctx.lm.train(
        training_examples(pairs),
        run_dir / "adapter",
        rank=cfg.rank,
        scale=cfg.scale,
        dropout=cfg.dropout,
        num_layers=cfg.num_layers,
        learning_rate=cfg.learning_rate,
        iters=cfg.iters,
        batch_size=cfg.batch_size,
        max_seq_len=cfg.max_seq_len,
        optimizer=cfg.optimizer,
        seed=ctx.config.seed,
        progress=on_progress,
    )
    if bar is not None:
        bar.finish()
    ctx.store.save_train_log(result.losses)
    ctx.store.set_meta("adapter", str(run_dir / "adapter"))
    losses = [v for _, v in result.losses]
    if losses:
        ctx.echo(
            f"  loss {losses[0]:.3f} -> {losses[-1]:.3f}, {result.tokens_per_s:.0f} tok/s, "
            f"peak {result.peak_memory_mb:.0f} MB, {result.seconds:.0f}s"
        )
    if result.truncated or result.dropped:
        ctx.echo(
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
        "pairs": len(pairs),
    }


SEED_PHASE = {"search": "before", "after_search": "after"}
"""The single pass whose greedy answers seed each search phase's generation 0."""

PHASE_FUNCS = {
    "before": _single,
    "search": _search_phase,
    "pairs": _pairs,
    "train": _train,
    "after": _single,
    "after_search": _search_phase,
}


# ----- results -------------------------------------------------------------------------
def solved(entry: Entry | None) -> bool:
    """True when an entry passes its headline checks (hidden tests where the task has them)."""
    if entry is None:
        return False
    p, t = entry.verdict.headline()
    return (
        t > 0
        and p == t
        and entry.verdict.status in ("passed", "failed")
        and entry.verdict.public_ok
    )


def _stats(train: dict[str, Entry | None], heldout: dict[str, Entry | None]) -> dict[str, Any]:
    def block(entries: dict[str, Entry | None]) -> dict[str, int]:
        tests = [e.verdict.headline() if e else (0, 0) for e in entries.values()]
        return {
            "passed": sum(solved(e) for e in entries.values()),
            "total": len(entries),
            "tests_passed": sum(p for p, _ in tests),
            "tests_total": sum(t for _, t in tests),
        }

    return {"train": block(train), "heldout": block(heldout)}


def _task_line(task: Task, entry: Entry, heldout: Sequence[Task]) -> str:
    v = entry.verdict
    hp, ht = v.headline()
    split = " [held-out]" if any(t.id == task.id for t in heldout) else ""
    mark = "PASS" if solved(entry) else v.status
    hidden = f", hidden {hp}/{ht}" if v.hidden else ""
    return f"  {task.id}{split}: {v.passed}/{v.total} tests{hidden}  {mark}"


def build_summary(
    ctx: ph.Context, run_dir: Path, train: list[Task], heldout: list[Task]
) -> dict[str, Any]:
    """Return the run's summary (the content of ``summary.json``) from the phase records."""
    recs = ctx.store.phases()
    out: dict[str, Any] = {
        "run_id": run_dir.name,
        "domain": ctx.domain.name,
        "domain_version": ctx.domain.version,
        "model": ctx.store.get_meta("model", {}),
        "adapter": ctx.store.get_meta("adapter"),
        "config": ctx.store.get_meta("config", {}),
        "headline": "hidden tests where tasks have them, else public tests",
        "phase_list": list(ctx.store.get_meta("phase_list") or PHASES),
        "phases": {},
        "heldout": {},
        "pairs": None,
        "train": None,
        "seconds": {},
    }
    for name, rec in recs.items():
        if rec["status"] != "done":
            continue
        out["seconds"][name] = round(rec["seconds"], 3)
        stats = rec["stats"]
        if name in ("before", "search", "after", "after_search"):
            out["phases"][name] = stats["train"]
            out["heldout"][name] = stats["heldout"]
        elif name == "pairs":
            out["pairs"] = {"repair": stats["repair"], "rehearsal": stats["rehearsal"]}
        elif name == "train":
            out["train"] = {k: v for k, v in stats.items() if k != "seconds"}
    out["total_seconds"] = round(sum(out["seconds"].values()), 3)
    out["tasks"] = {"train": [t.id for t in train], "heldout": [t.id for t in heldout]}
    return out
