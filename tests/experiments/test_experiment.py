"""Experiments end to end on the test plugin: arms x seeds, sharing, the control, held-out
honesty, resume after an interruption at every model call, the table and the report."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from forge.experiment.config import parse_experiment
from forge.experiment.runner import run_experiment
from forge.experiment.table import table_lines
from forge.store import RunStore

from .support import SETS, Script, SkillEngine, experiment, experiment_plugin, right_share


@pytest.fixture
def script():
    with experiment_plugin() as s:
        yield s


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    """One finished experiment (2 seeds x base, trained, control, rft-dpo) shared by the
    tests that only read it: its folder, summary and script."""
    folder = tmp_path_factory.mktemp("exp") / "e"
    with experiment_plugin() as s:
        summary = _run(folder)
    return folder, summary, s


def _run(folder: Path, **overrides) -> dict:
    return run_experiment(parse_experiment(experiment(**overrides)), folder, echo=lambda s: None)


def _examples(run: Path) -> list:
    store = RunStore(run / "forge.db")
    try:
        return store.examples()
    finally:
        store.close()


def _candidates(run: Path) -> list[tuple]:
    if not (run / "forge.db").is_file():
        return []
    with sqlite3.connect(run / "forge.db") as db:
        return sorted(db.execute("SELECT id, phase, text, status FROM candidates").fetchall())


def test_trained_beats_base_and_the_control_does_not(done) -> None:
    folder, summary, _ = done
    assert summary["status"] == {"measured": 8, "total": 8, "missing": []}
    assert summary["metrics"] == ["greedy", "pass@1", "pass@4", "pass@8", "tests"]
    assert summary["splits"] == {"heldout": {"tasks": 12}, "transfer": {"tasks": 6}}
    held = summary["differences"]["heldout"]
    assert held["trained"]["pass@1"]["lo"] > 0 and held["trained"]["pass@1"]["excludes_zero"]
    assert held["rft-dpo"]["pass@1"]["lo"] > 0
    # shuffled answers are never right for their new task: the control's adapter is worth
    # nothing, and with the same seeds it answers exactly like the base model
    control = held["control"]["pass@1"]
    assert (control["mean"], control["lo"], control["hi"]) == (0.0, 0.0, 0.0)
    base = summary["results"]["heldout"]["base"]
    assert base["seeds"] == [1, 2] and 0 < base["pass@1"]["mean"] < 1
    assert base["pass@1"]["lo"] <= base["pass@1"]["mean"] <= base["pass@1"]["hi"]
    assert summary["training"]["rft-dpo"]["1"]["method"] == "skill-dpo"
    assert set(summary["training"]["rft-dpo"]["1"]["examples"]) == {"rft", "rehearsal"}
    for name in ("summary.json", "table.txt", "report.html", "experiment.yaml"):
        assert (folder / name).is_file()


def test_each_seed_collects_once_and_every_arm_reuses_it(done) -> None:
    folder, _, script = done
    runs = sorted(p.relative_to(folder).as_posix() for p in folder.glob("seed-*/*"))
    arms = ("collect", "control", "rft-dpo", "trained")
    assert runs == [f"seed-{s}/{a}" for s in (1, 2) for a in arms]
    for seed in (1, 2):
        shared = {c[1] for c in _candidates(folder / f"seed-{seed}" / "collect")}
        assert shared == {"measure", "collect"}
        for arm in arms[1:]:
            phases = {c[1] for c in _candidates(folder / f"seed-{seed}" / arm)}
            assert phases == {"measure_after"}  # no second collection, no second base
    # 18 measured tasks x (1 greedy + 8 samples) per measurement; 24 training tasks x 4
    # samples, then 2 repairs per unsolved task; one measurement per arm and seed
    per_measure = 18 * 9
    collect = sum(1 for c in _candidates(folder / "seed-1" / "collect") if c[1] == "collect") + sum(
        1 for c in _candidates(folder / "seed-2" / "collect") if c[1] == "collect"
    )
    assert script.sequences == 2 * per_measure + collect + 6 * per_measure
    assert script.completed_trainings == 6


def test_the_control_trains_on_the_same_examples_with_answers_moved_to_other_tasks(
    done,
) -> None:
    folder, _, script = done
    for seed in (1, 2):
        trained = _examples(folder / f"seed-{seed}" / "trained")
        control = _examples(folder / f"seed-{seed}" / "control")
        assert len(trained) == len(control) > 10
        assert [(e.task_id, e.prompt, e.kind) for e in trained] == [
            (e.task_id, e.prompt, e.kind) for e in control
        ]
        assert sorted(e.chosen for e in trained) == sorted(e.chosen for e in control)
        owner = {e.chosen: e.task_id for e in trained}  # answers are unique per task here
        assert all(owner[e.chosen] != e.task_id for e in control)
        assert right_share(trained) == 1.0 and right_share(control) == 0.0
    # what the trainer received is what the store holds, and each training got its seed
    seeds = {(Path(out).parent.parent.name, seed) for out, _, seed in script.trainings}
    assert seeds == {(f"seed-{s}", s) for s in (1, 2)} and len(script.trainings) == 6


def test_heldout_and_transfer_tasks_never_reach_training(done) -> None:
    _, _, script = done
    kept_out = {f"s{a}_{b}" for a, b in SETS["heldout"] + SETS["other"]}
    prompts = [f"What is {a} + {b}?" for a, b in SETS["heldout"] + SETS["other"]]
    assert len(script.trainings) == 6
    for _, examples, _ in script.trainings:
        assert examples and not {e.task_id for e in examples} & kept_out
        for e in examples:
            text = " ".join(m["content"] for m in e.prompt) + e.chosen + (e.rejected or "")
            assert not any(p in text for p in prompts)


def test_seeds_change_sampling_but_not_the_split(done) -> None:
    folder, _, _ = done
    stores = [RunStore(folder / f"seed-{s}" / "collect" / "forge.db") for s in (1, 2)]
    try:
        splits = [[[t.id for t in st.load_split(n)] for n in ("train", "heldout")] for st in stores]
        assert splits[0] == splits[1]
        texts = [[a.candidate.text for a in st.attempts("measure")] for st in stores]
        assert texts[0] != texts[1] and len(texts[0]) == len(texts[1])
    finally:
        for st in stores:
            st.close()


def _small() -> dict:
    """Two seeds of base, trained and control, with one chunk of 16 measured tasks."""
    data = experiment(k=[4])
    del data["arms"]["rft-dpo"]
    data["run"]["tasks"]["heldout_limit"] = 10
    data["run"]["measure"]["samples"] = 4
    return data


def test_a_fractional_split_is_the_same_in_every_seed(script, tmp_path) -> None:
    data = experiment(seeds=[1, 2, 3])
    data["run"]["tasks"] = {"source": "train", "heldout": 0.25}
    data["arms"] = {"base": {"kind": "base"}}
    folder = tmp_path / "e"
    run_experiment(parse_experiment(data), folder, echo=lambda s: None)
    splits = []
    for seed in (1, 2, 3):
        store = RunStore(folder / f"seed-{seed}" / "collect" / "forge.db")
        splits.append([t.id for t in store.load_split("heldout")])
        store.close()
    assert len(splits[0]) == 6 and splits[0] == splits[1] == splits[2]
    exp = parse_experiment({**data, "run": {**data["run"], "seed": 5}})
    assert exp.shared_config(1).tasks.split_seed == 5  # fixed by the run's seed, not the arm's


def _reference(tmp_path: Path) -> tuple[dict, dict, int]:
    """An uninterrupted run: its summary, its candidates per run folder, its model calls."""
    folder = tmp_path / "ref"
    summary = _run(folder, **_small())
    stored = {p.relative_to(folder).as_posix(): _candidates(p) for p in folder.glob("seed-*/*")}
    return summary, stored, SkillEngine.script.calls


def test_resume_after_an_interruption_at_every_model_call(script, tmp_path) -> None:
    """Cut the experiment at every generate and train call in turn; resuming it gives the
    uninterrupted results, stores every candidate once, and repeats no finished call."""
    ref_summary, ref_stored, calls = _reference(tmp_path)
    assert calls == 2 * (2 + 2 + 2 * 3)  # per seed: measure, collect, 2 x (train, measure)
    for cut in range(1, calls + 1):
        SkillEngine.script = s = Script(fail_on_call=cut)
        folder = tmp_path / f"cut-{cut}"
        with pytest.raises(KeyboardInterrupt):
            _run(folder, **_small())
        s.fail_on_call = None
        summary = _run(folder, **_small())
        assert summary["results"] == ref_summary["results"], cut
        assert summary["differences"] == ref_summary["differences"], cut
        stored = {p.relative_to(folder).as_posix(): _candidates(p) for p in folder.glob("seed-*/*")}
        assert stored == ref_stored, cut
        # the cut-off call was redone; every other call ran exactly once
        assert s.calls == calls + 1, cut
        assert s.completed_calls + s.completed_trainings == calls, cut


def test_rerunning_a_finished_experiment_does_no_work(script, tmp_path) -> None:
    folder = tmp_path / "e"
    first = _run(folder)
    SkillEngine.script = s = Script()
    again = _run(folder)
    assert s.calls == 0
    assert again["results"] == first["results"]


def test_a_changed_experiment_is_refused_in_one_line(script, tmp_path) -> None:
    from forge.errors import UsageError

    folder = tmp_path / "e"
    _run(folder, seeds=[1])
    changed = experiment(seeds=[1])
    changed["arms"]["trained"] = {"config": {"pairs": {"max_per_task": 1}}}
    with pytest.raises(
        UsageError,
        match=r"seed-1/trained' was started with another config "
        r"\(pairs.max_per_task: 4 -> 1\)",
    ):
        run_experiment(parse_experiment(changed), folder, echo=lambda s: None)


def test_a_seed_added_later_runs_only_the_new_seed(script, tmp_path) -> None:
    folder = tmp_path / "e"
    _run(folder, seeds=[1])
    SkillEngine.script = s = Script()
    summary = _run(folder, seeds=[1, 2])
    assert summary["results"]["heldout"]["base"]["seeds"] == [1, 2]
    assert s.completed_trainings == 3  # seed 2's arms only


def test_table_and_report_render_and_escape(script, tmp_path) -> None:
    folder = tmp_path / "e"
    data = experiment(seeds=[1])
    data["arms"]["trained"]["description"] = "<script>alert(1)</script>"
    summary = run_experiment(parse_experiment(data), folder, echo=lambda s: None)
    lines = table_lines(summary)
    text = "\n".join(lines)
    assert "Held-out tasks (12)" in text and "Transfer tasks (6)" in text
    assert re.search(r"^  base +\d+\.\d \[\d+\.\d, \d+\.\d\]", text, re.M)
    assert re.search(r"^  trained +[+-]\d+\.\d \[", text.split("difference from base:")[1], re.M)
    assert "greedy pass@1" in text and "pass@8" in text
    assert (folder / "table.txt").read_text().splitlines() == lines
    html = (folder / "report.html").read_text()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("<svg") == 4  # means and differences, for held-out and transfer
    assert "seed-1/trained/report.html" in html
    assert (folder / "seed-1" / "trained" / "report.html").is_file()
    from forge.report import summary_lines

    run = json.loads((folder / "seed-1" / "trained" / "summary.json").read_text())
    assert any(
        line.startswith("  Measure after, heldout: 12 tasks, 8 samples each: greedy ")
        for line in summary_lines(run)
    )
    assert json.loads((folder / "summary.json").read_text())["arms"][1]["name"] == "trained"


def test_a_partial_experiment_reports_what_finished(script, tmp_path) -> None:
    from forge.experiment.config import parse_experiment as parse
    from forge.experiment.summary import analyse

    folder = tmp_path / "e"
    SkillEngine.script = Script(fail_on_call=12)
    exp = parse(experiment())
    with pytest.raises(KeyboardInterrupt):
        run_experiment(exp, folder, echo=lambda s: None)
    summary = analyse(exp, folder)
    assert 0 < summary["status"]["measured"] < summary["status"]["total"]
    assert "Not measured yet" in "\n".join(table_lines(summary))
