"""Generate-and-verify steps shared by every phase: single pass and search generations.

These functions turn requests into stored, verified candidates. They know nothing about
which phase they serve beyond its name, so the loop stays a short list of phases.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from forge.config import RunConfig
from forge.domain import Domain
from forge.search import Entry, Request, TaskState, plan_generation
from forge.store import RunStore
from forge.types import Candidate, Task
from forge.verifiers import verify_all


@dataclass
class Context:
    """What every phase needs: the domain, model, sandbox, store, config and event hooks."""

    domain: Domain
    lm: Any
    sandbox: Any
    store: RunStore
    config: RunConfig
    verifiers: Sequence[Any] = ()
    hook: Any = None
    run: Any = None
    echo: Callable[[str], None] = print
    progress: Callable[[str, int], Any] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    warned: set[tuple[str, str]] = field(default_factory=set)

    def fire(self, name: str, **kwargs: Any) -> None:
        """Call event hook ``name`` on every plugin; a plugin that raises is warned about once.

        An observer's bug must never stop a run or lose its results, so each implementation
        is called on its own and its exceptions are reported, not raised.
        """
        if self.hook is None:
            return
        for impl in getattr(self.hook, name).get_hookimpls():
            try:
                impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
            except Exception as exc:  # noqa: BLE001 - observers cannot break the loop
                key = (impl.plugin_name, name)
                if key not in self.warned:
                    self.warned.add(key)
                    self.echo(
                        f"Warning: plugin '{impl.plugin_name}' failed in {name}: "
                        f"{type(exc).__name__}: {exc} (the run goes on; further errors not shown)"
                    )


def sample(
    ctx: Context, requests: Sequence[Request], temperature: float, seed: int, label: str
) -> list[list[str]]:
    """Generate ``n`` completions for every request in one batched call, with a progress bar."""
    from forge.params import SamplingParams

    params = SamplingParams(
        temperature=temperature,
        top_p=ctx.config.search.top_p,
        max_tokens=ctx.config.search.max_tokens,
        seed=seed,
    )
    total = sum(r.n for r in requests)
    bar = ctx.progress(label, total) if ctx.progress else None
    done = [0]

    def on_progress(finished: int, _total: int) -> None:
        if bar is not None and finished > done[0]:
            bar.update(finished - done[0])
            done[0] = finished

    try:
        return ctx.lm.generate(
            [r.messages for r in requests],
            n=[r.n for r in requests],
            params=params,
            stop=ctx.domain.answer_complete,
            progress=on_progress,
        )
    finally:
        if bar is not None:
            bar.update(total - done[0])
            bar.finish()


def verify_and_store(
    ctx: Context,
    phase: str,
    unit: str,
    requests: Sequence[Request],
    texts: Sequence[Sequence[str]],
    generation: int,
    stored_with: Sequence[Entry] = (),
) -> list[Entry]:
    """Extract and verify every completion, store them as one unit, fire hooks; return the entries.

    ``stored_with`` are already verified entries committed in the same unit (search seeds);
    they are not part of the returned list.
    """
    cands: list[Candidate] = []
    for req, outs in zip(requests, texts, strict=True):
        for text in outs:
            idx = sum(c.task_id == req.task.id for c in cands)
            cid = f"{phase}:{req.task.id}:g{generation}:{idx}"
            cands.append(
                Candidate(
                    id=cid,
                    task_id=req.task.id,
                    text=text,
                    artifact=_safe_extract(ctx.domain, text),
                    generation=generation,
                    parent_id=req.parent_id,
                    phase=phase,
                )
            )
    by_id = {r.task.id: r.task for r in requests}
    t0 = time.perf_counter()
    verdicts = verify_all(
        ctx.domain, [(by_id[c.task_id], c.artifact) for c in cands], ctx.sandbox, ctx.verifiers
    )
    ctx.timings["verify"] = ctx.timings.get("verify", 0.0) + time.perf_counter() - t0
    style = ctx.config.search.feedback
    entries = [
        Entry(c, v, ctx.domain.score(v), ctx.domain.feedback(by_id[c.task_id], v, style))
        for c, v in zip(cands, verdicts, strict=True)
    ]
    _commit(ctx, phase, unit, [*stored_with, *entries])
    for e in entries:
        ctx.fire("candidate_verified", run=ctx.run, candidate=e.candidate, verdict=e.verdict)
    return entries


def _commit(ctx: Context, phase: str, unit: str, entries: Sequence[Entry]) -> None:
    ctx.store.commit_unit(
        phase, unit, [(e.candidate, e.verdict, e.score, e.feedback) for e in entries]
    )


def _seed_entries(phase: str, tasks: Sequence[Task], seeds: dict[str, Entry]) -> list[Entry]:
    """Copies of the seed answers as generation-0 candidates of ``phase`` (parent: the original)."""
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
        out.append(Entry(cand, seed.verdict, seed.score, seed.feedback))
    return out


def single_pass(
    ctx: Context, phase: str, tasks: Sequence[Task], chunk: int = 16
) -> dict[str, Entry]:
    """Greedy single pass, one candidate per task, stored in chunks so a resume loses little.

    Returns the entry for every task, including those stored by an earlier session.
    """
    seed = ctx.config.seed
    for start in range(0, len(tasks), chunk):
        unit = f"chunk-{start // chunk}"
        if ctx.store.unit_done(phase, unit):
            continue
        part = tasks[start : start + chunk]
        reqs = [Request(t, ctx.domain.build_prompt(t), 1) for t in part]
        texts = sample(ctx, reqs, 0.0, seed, f"{phase}: generating")
        verify_and_store(ctx, phase, unit, reqs, texts, 0)
    states = load_entries(ctx, phase, tasks)
    return {tid: s.entries[0] for tid, s in states.items() if s.entries}


def search(
    ctx: Context, phase: str, tasks: Sequence[Task], seeds: dict[str, Entry] | None = None
) -> list[TaskState]:
    """Run the evolutionary search on ``tasks``; each generation is one stored unit.

    ``seeds`` (task id -> an earlier phase's greedy answer) join generation 0 as stored
    copies of that candidate, so the search never reports less than the single pass and a
    task the greedy answer already solves is not searched again. Generations already
    stored (from an interrupted session) are loaded, not repeated.
    """
    cfg = ctx.config.search
    states = load_entries(ctx, phase, tasks)
    ordered = [states[t.id] for t in tasks]
    for gen in range(cfg.generations + 1):
        unit = f"gen-{gen}"
        if ctx.store.unit_done(phase, unit):
            continue
        seeded = _seed_entries(phase, tasks, seeds or {}) if gen == 0 else []
        for entry in seeded:
            states[entry.candidate.task_id].entries.append(entry)
        reqs = plan_generation(
            ordered,
            gen,
            cfg.population_size,
            cfg.elites,
            cfg.repairs_per_elite,
            ctx.domain.build_prompt,
            lambda task, entry: ctx.domain.repair_prompt(
                task, entry.candidate.artifact or "", entry.verdict, cfg.feedback
            ),
        )
        if not reqs:
            if seeded:
                _commit(ctx, phase, unit, seeded)
            break
        seed = (ctx.config.seed * 1000 + gen * 17 + len(phase)) % (2**31)
        texts = sample(ctx, reqs, cfg.temperature, seed, f"{phase} gen {gen}: generating")
        for entry in verify_and_store(ctx, phase, unit, reqs, texts, gen, seeded):
            states[entry.candidate.task_id].entries.append(entry)
        solved = sum(s.solved for s in ordered)
        ctx.echo(f"  generation {gen}: {solved}/{len(ordered)} tasks pass their public tests")
    return ordered


def load_entries(ctx: Context, phase: str, tasks: Sequence[Task]) -> dict[str, TaskState]:
    """Rebuild per-task search state from the candidates stored for ``phase``."""
    by_id = {t.id: t for t in tasks}
    states = {t.id: TaskState(t) for t in tasks}
    for row in ctx.store.candidates(phase):
        task = by_id.get(row["task_id"])
        if task is None:
            continue
        cand = Candidate(
            id=row["id"],
            task_id=row["task_id"],
            text=row["text"],
            artifact=row["artifact"],
            generation=row["generation"],
            parent_id=row["parent_id"],
            phase=phase,
        )
        states[task.id].entries.append(Entry(cand, row["verdict"], row["score"], row["feedback"]))
    return states


def _safe_extract(domain: Domain, text: str) -> str | None:
    try:
        return domain.extract(text)
    except Exception:  # noqa: BLE001 - extraction failures are invalid verdicts, not crashes
        return None
