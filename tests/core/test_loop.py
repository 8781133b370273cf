"""The loop's phases, pairs, held-out honesty and resume, on a deterministic domain and model."""

from __future__ import annotations

from pathlib import Path

import pytest

from forge.config import build_config
from forge.loop import PHASES, run_loop, split_tasks
from forge.phases import Context
from forge.store import RunStore

from .loop_support import ArithDomain, ScriptedLM


def _context(tmp_path, lm, **config):
    store = RunStore(tmp_path / "forge.db")
    cfg = build_config(
        {
            "search": {"population_size": 2, "generations": 2, "elites": 1, "repairs_per_elite": 1},
            "train": {"min_pairs": 1},
            **config,
        }
    )
    return Context(
        domain=ArithDomain(), lm=lm, sandbox=None, store=store, config=cfg, echo=lambda s: None
    )


def _tasks():
    tasks = ArithDomain().load_tasks(None)
    return split_tasks(tasks, 0.25, seed=0)


def test_split_is_seeded_and_disjoint() -> None:
    train, held = _tasks()
    assert len(held) == 2 and len(train) == 6
    assert not {t.id for t in train} & {t.id for t in held}
    assert _tasks() == (train, held)
    assert split_tasks(train, 0.0, 0) == (train, [])


def test_full_loop_improves_and_keeps_heldout_out_of_training(tmp_path) -> None:
    lm = ScriptedLM()
    train, held = _tasks()
    summary = run_loop(_context(tmp_path, lm), tmp_path, train, held)
    odd_train = sum(t.data["a"] % 2 for t in train)
    assert summary["phases"]["before"] == {
        "passed": 6 - odd_train,
        "total": 6,
        "tests_passed": 6 - odd_train,
        "tests_total": 6,
    }
    assert summary["phases"]["search"]["passed"] == 6
    assert summary["phases"]["after"]["passed"] == 6 and summary["heldout"]["after"]["passed"] == 2
    assert summary["pairs"]["repair"] == odd_train
    held_ids = {t.id for t in held}
    assert lm.train_examples and all(held_ids.isdisjoint(str(e)) for e in lm.train_examples)
    assert (tmp_path / "pairs.jsonl").read_text().count("\n") == summary["pairs"][
        "repair"
    ] + summary["pairs"]["rehearsal"]
    assert set(summary["seconds"]) == set(PHASES)


def test_repair_pair_prompt_shows_specific_feedback(tmp_path) -> None:
    lm = ScriptedLM()
    train, held = _tasks()
    ctx = _context(tmp_path, lm)
    run_loop(ctx, tmp_path, train, held)
    repair = [p for p in ctx.store.pairs() if p.kind == "repair"]
    assert (
        repair
        and "expected" in repair[0].messages[-1]["content"]
        and "got" in repair[0].messages[-1]["content"]
    )


def test_score_only_feedback_reaches_repair_prompts(tmp_path) -> None:
    lm = ScriptedLM()
    train, held = _tasks()
    ctx = _context(
        tmp_path,
        lm,
        **{"search": {"population_size": 2, "generations": 1, "feedback": "score-only"}},
    )
    run_loop(ctx, tmp_path, train, held, phases=("search", "pairs"))
    prompt = ctx.store.pairs()[0].messages[-1]["content"]
    assert "0/1" in prompt and "expected" not in prompt


def test_too_few_pairs_skips_training_with_reason(tmp_path) -> None:
    lm = ScriptedLM()
    train, held = _tasks()
    summary = run_loop(_context(tmp_path, lm, train={"min_pairs": 50}), tmp_path, train, held)
    assert summary["train"]["skipped"].startswith("only 3 repair pairs (train.min_pairs is 50)")
    assert not lm.trained


def _reference(path, train, held):
    path.mkdir()
    lm = ScriptedLM()
    return run_loop(_context(path, lm), path, train, held), lm.calls


def test_interrupted_run_resumes_without_losing_or_repeating_work(tmp_path) -> None:
    """A run cut at each of its model calls resumes to the uninterrupted run's results."""
    train, held = _tasks()
    reference = _reference(tmp_path / "ref", train, held)
    reference_calls = reference[1]
    assert reference_calls >= 4, "the run makes a model call in every generating phase"
    for fail_on_call in range(1, reference_calls + 1):
        _interrupt_and_resume(
            tmp_path / f"cut-{fail_on_call}", train, held, fail_on_call, reference
        )


def _interrupt_and_resume(path: Path, train, held, fail_on_call: int, reference) -> None:
    path.mkdir()
    first = ScriptedLM(fail_on_call=fail_on_call)
    ctx = _context(path, first)
    with pytest.raises(KeyboardInterrupt):
        run_loop(ctx, path, train, held)
    stored = {r["id"]: r["text"] for r in ctx.store.candidates()}
    trained = ctx.store.phase_status("train") == "done"
    ctx.store.close()

    second = ScriptedLM()
    second.trained = trained  # a resumed run reloads the run's adapter
    ctx2 = _context(path, second)
    summary = run_loop(ctx2, path, train, held)
    rows = ctx2.store.candidates()
    ctx2.store.close()
    assert len(rows) == len({r["id"] for r in rows}), "no candidate is stored twice"
    assert all(stored[r["id"]] == r["text"] for r in rows if r["id"] in stored), (
        "stored work is kept"
    )
    _, reference_calls = reference
    assert (first.calls - 1) + second.calls == reference_calls, (
        f"cut at call {fail_on_call}: finished units are not generated again"
    )
    for key in ("phases", "heldout", "pairs"):
        assert summary[key] == reference[0][key], f"cut at call {fail_on_call}: {key} differ"


def test_a_failing_event_hook_warns_once_and_the_run_goes_on(tmp_path) -> None:
    import types

    from forge.hookspecs import hookimpl
    from forge.plugins import PluginManager

    calls = []

    def candidate_verified(candidate):
        calls.append(candidate.id)
        raise RuntimeError("observer bug")

    pm = PluginManager()
    pm.add_plugin(types.SimpleNamespace(candidate_verified=hookimpl(candidate_verified)), "buggy")
    lines: list[str] = []
    ctx = _context(tmp_path, ScriptedLM())
    ctx.hook, ctx.echo = pm.hook, lines.append
    train, held = _tasks()
    summary = run_loop(ctx, tmp_path, train, held, phases=("before",))
    assert summary["phases"]["before"]["total"] == 6 and len(calls) == 8
    warnings = [ln for ln in lines if ln.startswith("Warning:")]
    assert warnings == [
        "Warning: plugin 'buggy' failed in candidate_verified: RuntimeError: observer bug "
        "(the run goes on; further errors not shown)"
    ]


def test_search_starts_from_the_greedy_answer_and_skips_tasks_it_solved(tmp_path) -> None:
    lm = ScriptedLM()
    train, held = _tasks()
    ctx = _context(tmp_path, lm)
    summary = run_loop(ctx, tmp_path, train, held)
    before = {r["task_id"]: r for r in ctx.store.candidates("before")}
    search = ctx.store.candidates("search")
    for task in [*train, *held]:
        rows = [r for r in search if r["task_id"] == task.id]
        seed = [r for r in rows if r["id"].endswith(":seed")]
        assert len(seed) == 1 and seed[0]["parent_id"] == before[task.id]["id"]
        assert seed[0]["text"] == before[task.id]["text"] and seed[0]["generation"] == 0
        if before[task.id]["verdict"].public_ok:
            assert rows == seed, f"{task.id} was solved greedily and must not be searched"
        else:
            assert len(rows) > 1
    for split in ("phases", "heldout"):
        assert summary[split]["search"]["passed"] >= summary[split]["before"]["passed"]
        assert summary[split]["after_search"]["passed"] >= summary[split]["after"]["passed"]
