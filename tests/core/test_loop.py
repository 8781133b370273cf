"""The loop's phases, pairs, held-out honesty and resume, driven through the real Session.

The domain, engine, trainer and executor are the deterministic test plugin of
``loop_support``, registered through the plugin manager like any plugin.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from forge.phases import BY_NAME, RUN, plan
from forge.session import Session
from forge.tasks import split_tasks

from .loop_support import ArithDomain, Script, ScriptedEngine, config, loop_plugin


@pytest.fixture(autouse=True)
def _plugin():
    with loop_plugin():
        yield


def _script(**kwargs) -> Script:
    ScriptedEngine.script = Script(**kwargs)
    return ScriptedEngine.script


def _run(
    out: Path, cfg=None, run_dir=None, phase_plan=None, echo=lambda s: None
) -> tuple[dict, Path]:
    with Session.open(cfg or config(), run_dir, out=out, plan=phase_plan, echo=echo) as session:
        return session.run(), session.run_dir


def _tasks():
    return split_tasks(ArithDomain().load_tasks(None), 0.25, seed=0)


def test_split_is_seeded_and_disjoint() -> None:
    train, held = _tasks()
    assert len(held) == 2 and len(train) == 6
    assert not {t.id for t in train} & {t.id for t in held}
    assert _tasks() == (train, held)
    assert split_tasks(train, 0.0, 0) == (train, [])


def test_full_loop_improves_and_keeps_heldout_out_of_training(tmp_path) -> None:
    _script()
    summary, run_dir = _run(tmp_path)
    train, held = _tasks()
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
    lines = (run_dir / "pairs.jsonl").read_text().splitlines()
    assert len(lines) == summary["pairs"]["repair"] + summary["pairs"]["rehearsal"]
    assert set(summary["seconds"]) == set(RUN)
    assert summary["partial"] == []


def test_train_reports_validation_in_the_console_and_summary(tmp_path) -> None:
    """TRAIN prints the validation curve's result and summary.json's train block keeps it."""
    _script()
    lines: list[str] = []
    summary, run_dir = _run(tmp_path, echo=lines.append)
    train = summary["train"]
    assert train["validation_losses"] == [[0, 3.0], [1, 2.5], [2, 2.75]]
    assert (train["best_iter"], train["best_validation_loss"], train["stopped_early"]) == (
        1,
        2.5,
        False,
    )
    assert train["validation_tasks"] == ["a3"] and train["method"] == "scripted"
    assert any(
        "validation: 1 example from 1 held-out training task; loss 3.000 -> best 2.500 at "
        "iteration 1, ran all 2 iterations; adapter from iteration 1" in line
        for line in lines
    ), lines


def test_heldout_tasks_never_reach_training(tmp_path) -> None:
    """No training example comes from a held-out task, and no held-out prompt is trained on."""
    script = _script()
    summary, _ = _run(tmp_path)
    held = set(summary["tasks"]["heldout"])
    assert len(held) == 2 and script.train_examples
    assert not {e.task_id for e in script.train_examples} & held
    held_prompts = [t.prompt for t in ArithDomain().load_tasks(None) if t.id in held]
    for example in script.train_examples:
        text = " ".join(m["content"] for m in example.prompt) + example.chosen
        assert not any(p in text for p in held_prompts), example
    # the held-out tasks were measured, so a leak would have had material to leak
    assert summary["heldout"]["search"]["total"] == 2


def test_repair_pair_prompt_shows_specific_feedback(tmp_path) -> None:
    _script()
    with Session.open(config(), out=tmp_path, echo=lambda s: None) as session:
        session.run()
        repair = [e for e in session.store.examples() if e.kind == "repair"]
    assert repair and "expected" in repair[0].prompt[-1]["content"]
    assert "got" in repair[0].prompt[-1]["content"]
    assert repair[0].rejected is not None and repair[0].rejected != repair[0].chosen


def test_score_only_feedback_reaches_repair_prompts(tmp_path) -> None:
    _script()
    cfg = config(search={"population_size": 2, "generations": 1, "feedback": "score-only"})
    steps = (BY_NAME["before"], BY_NAME["search"], BY_NAME["pairs"])
    with Session.open(cfg, out=tmp_path, plan=steps, echo=lambda s: None) as session:
        session.run()
        prompt = session.store.examples()[0].prompt[-1]["content"]
    assert "0/1" in prompt and "expected" not in prompt


def test_too_few_pairs_skips_training_with_reason(tmp_path) -> None:
    script = _script()
    summary, _ = _run(tmp_path, config(train={"min_pairs": 50, "method": "scripted"}))
    assert summary["train"]["skipped"].startswith("only 3 repair pairs (train.min_pairs is 50)")
    assert not script.trained
    assert all(a is None for a in script.adapters), "AFTER keeps the unchanged model"


def test_after_phases_use_the_trained_adapter_explicitly(tmp_path) -> None:
    script = _script()
    summary, run_dir = _run(tmp_path)
    assert script.adapters[0] is None and script.adapters[-1] == run_dir / "adapter"
    assert summary["adapter"] == str(run_dir / "adapter")


def test_after_search_false_drops_the_phase(tmp_path) -> None:
    _script()
    cfg = config(after_search=False)
    assert [p.name for p in plan(cfg)] == ["before", "search", "pairs", "train", "after"]
    summary, _ = _run(tmp_path, cfg)
    assert summary["phase_list"] == ["before", "search", "pairs", "train", "after"]
    assert "after_search" not in summary["phases"] and "after_search" not in summary["seconds"]


def test_interrupted_run_resumes_without_losing_or_repeating_work(tmp_path) -> None:
    """A run cut at each of its model calls resumes to the uninterrupted run's results."""
    script = _script()
    reference, _ = _run(tmp_path / "ref")
    reference_calls = script.calls
    assert reference_calls >= 4, "the run makes a model call in every generating phase"
    for fail_on_call in range(1, reference_calls + 1):
        _interrupt_and_resume(
            tmp_path / f"cut-{fail_on_call}", fail_on_call, reference, reference_calls
        )


def _interrupt_and_resume(
    out: Path, fail_on_call: int, reference: dict, reference_calls: int
) -> None:
    first = _script(fail_on_call=fail_on_call)
    with Session.open(config(), out=out, echo=lambda s: None) as session:
        run_dir = session.run_dir
        with pytest.raises(KeyboardInterrupt):
            session.run()
        stored = {a.candidate.id: a.candidate.text for a in session.store.attempts()}
    first_calls = first.calls
    second = _script()
    summary, _ = _run(out, run_dir=run_dir)
    with Session.open(config(), run_dir, echo=lambda s: None) as session:
        attempts = session.store.attempts()
    ids = [a.candidate.id for a in attempts]
    assert len(ids) == len(set(ids)), "no candidate is stored twice"
    assert all(
        stored[a.candidate.id] == a.candidate.text for a in attempts if a.candidate.id in stored
    )
    assert (first_calls - 1) + second.calls == reference_calls, (
        f"cut at call {fail_on_call}: finished units are not generated again"
    )
    for key in ("phases", "heldout", "pairs"):
        assert summary[key] == reference[key], f"cut at call {fail_on_call}: {key} differ"


def test_search_starts_from_the_greedy_answer_and_skips_tasks_it_solved(tmp_path) -> None:
    _script()
    with Session.open(config(), out=tmp_path, echo=lambda s: None) as session:
        summary = session.run()
        before = {a.candidate.task_id: a for a in session.store.attempts("before")}
        search = session.store.attempts("search")
        tasks = session.tasks
    for task in tasks:
        found = [a for a in search if a.candidate.task_id == task.id]
        seed = [a for a in found if a.candidate.id.endswith(":seed")]
        assert len(seed) == 1 and seed[0].candidate.parent_id == before[task.id].candidate.id
        assert seed[0].candidate.text == before[task.id].candidate.text
        if before[task.id].verdict.public_ok:
            assert found == seed, f"{task.id} was solved greedily and must not be searched"
        else:
            assert len(found) > 1
    for split in ("phases", "heldout"):
        assert summary[split]["search"]["passed"] >= summary[split]["before"]["passed"]
        assert summary[split]["after_search"]["passed"] >= summary[split]["after"]["passed"]


def test_evaluation_plan_runs_only_its_phases(tmp_path) -> None:
    _script()
    lines: list[str] = []
    steps = (BY_NAME["before"], BY_NAME["search"])
    summary, _ = _run(tmp_path, config(tasks={"heldout": 0.0}), phase_plan=steps, echo=lines.append)
    assert summary["phase_list"] == ["before", "search"] and summary["pairs"] is None
    assert lines[0].startswith("forge eval ") and "evaluation: before, search" in lines[0]


def test_greedy_chunks_share_one_generate_call_and_are_stored_one_by_one(
    tmp_path, monkeypatch
) -> None:
    """Pooled greedy chunks: one model call for GREEDY_POOL chunks, each chunk its own unit,
    and a run cut in the second pool resumes without generating the first pool again."""
    import forge.attempts

    monkeypatch.setattr(forge.attempts, "SINGLE_PASS_CHUNK", 1)
    monkeypatch.setattr(forge.attempts, "GREEDY_POOL", 3)
    steps = (BY_NAME["before"],)
    cfg = config(tasks={"heldout": 0.0})
    script = _script()
    summary, run_dir = _run(tmp_path / "ref", cfg, phase_plan=steps)
    assert script.calls == 3, "8 one-task chunks in pools of 3 are 3 model calls"
    with Session.open(cfg, run_dir, echo=lambda s: None) as session:
        units = [u for u in range(8) if session.store.unit_done("before", f"chunk-{u}")]
        assert units == list(range(8))
        assert len(session.store.attempts("before")) == 8

    _script(fail_on_call=2)
    with Session.open(cfg, out=tmp_path / "cut", plan=steps, echo=lambda s: None) as session:
        cut_dir = session.run_dir
        with pytest.raises(KeyboardInterrupt):
            session.run()
        assert len(session.store.attempts("before")) == 3, "the first pool was stored"
    again = _script()
    resumed, _ = _run(tmp_path / "cut", cfg, run_dir=cut_dir, phase_plan=steps)
    assert again.calls == 2
    assert sorted(again.prompts) == sorted(script.prompts[3:]), "only the 5 unstored chunks"
    assert resumed["phases"] == summary["phases"]
