"""Training-data recipes as functions of stored attempts: RFT, the frontier filter, the
shuffled control, and the search option that samples tasks greedy already solves."""

from __future__ import annotations

from collections import Counter

import pytest

from forge.config import build_config
from forge.errors import ConfigError
from forge.recipes import build_examples, frontier, pass_rate, rft_examples, shuffle_answers
from forge.search import TaskState, plan_generation
from forge.types import Attempt, Candidate, CaseResult, Task, TrainingExample, Verdict

from .support import SumsDomain

DOMAIN = SumsDomain()


def _task(a: int) -> Task:
    return Task(id=f"t{a}", domain="sums", prompt=f"What is {a} + 1?", data={"a": a, "b": 1})


def _attempt(task: Task, answer: str | None, i: int, parent: str | None = None) -> Attempt:
    ok = answer is not None and int(answer) == task.data["a"] + 1
    verdict = (
        Verdict(status="passed" if ok else "failed", cases=(CaseResult("sum", ok),))
        if answer is not None
        else Verdict(status="invalid")
    )
    gen = 0 if parent is None else 1
    cand = Candidate(f"collect:{task.id}:g{gen}:{i}", task.id, f"= {answer}", answer, gen, parent)
    return Attempt(cand, verdict, float(ok), "")


def _state(a: int, answers: list[str | None], repairs: list[str] = ()) -> TaskState:
    task = _task(a)
    attempts = [_attempt(task, x, i) for i, x in enumerate(answers)]
    parent = attempts[0].candidate.id if attempts else None
    attempts += [_attempt(task, x, 100 + i, parent) for i, x in enumerate(repairs)]
    return TaskState(task, attempts)


def test_pass_rate_counts_first_attempts_only_and_frontier_is_strict() -> None:
    easy = _state(1, ["2", "2", " 2"])  # all pass
    hard = _state(2, ["9", "8"], repairs=["3"])  # first attempts all fail; a repair passes
    edge = _state(3, ["4", "5", "4", "6"])  # 2 of 4 pass
    assert pass_rate(easy) == 1.0 and pass_rate(hard) == 0.0 and pass_rate(edge) == 0.5
    assert pass_rate(_state(4, [])) is None
    assert [s.task.id for s in frontier([easy, hard, edge, _state(4, [])])] == ["t3"]


def test_rft_keeps_distinct_passing_answers_capped_with_failing_ones_rejected() -> None:
    state = _state(3, ["4", "5", "4", " 4 ", "6", "5"], repairs=["4"])
    examples = rft_examples(DOMAIN, [state], per_task=4)
    # "4" three times (once padded) is one distinct answer; the repair is not a first attempt
    assert [(e.chosen, e.rejected, e.kind) for e in examples] == [("4", "5", "rft")]
    assert examples[0].prompt == tuple(DOMAIN.build_prompt(state.task))
    assert (examples[0].chosen_score, examples[0].rejected_score) == (1.0, 0.0)


def test_rft_can_train_on_the_whole_completion() -> None:
    state = _state(3, ["5", "4"])
    (example,) = rft_examples(DOMAIN, [state], per_task=4, text="completion")
    assert (example.chosen, example.rejected) == ("= 4", "= 5")


def test_rft_cap_and_no_rejected_when_every_answer_passes() -> None:
    task = _task(3)  # every answer passes here: several distinct passing answers
    answers = ["4", "04", "+4", "4.0"]
    attempts = [
        Attempt(
            Candidate(f"c{i}", task.id, x, x, 0, None),
            Verdict(status="passed", cases=(CaseResult("sum", True),)),
            1.0,
            "",
        )
        for i, x in enumerate(answers)
    ]
    examples = rft_examples(DOMAIN, [TaskState(task, attempts)], per_task=3)
    assert [e.chosen for e in examples] == ["4", "04", "+4"]
    assert all(e.rejected is None for e in examples)


def test_shuffled_answers_always_leave_their_task_and_keep_the_count() -> None:
    examples = [
        TrainingExample(f"t{t}", ({"role": "user", "content": f"q{t}.{i}"},), f"a{t}.{i}", f"r{t}")
        for t, n in enumerate([3, 1, 2, 2, 1])
        for i in range(n)
    ]
    for seed in range(20):
        shuffled, stayed = shuffle_answers(examples, seed)
        assert stayed == 0 and len(shuffled) == len(examples)
        assert [e.prompt for e in shuffled] == [e.prompt for e in examples]
        assert Counter(e.chosen for e in shuffled) == Counter(e.chosen for e in examples)
        for e in shuffled:
            assert not e.chosen.startswith(f"a{e.task_id[1:]}.")  # another task's answer
            assert e.rejected == f"r{e.chosen[1:].split('.')[0]}"  # moved with its chosen
    assert shuffle_answers(examples, 1)[0] != shuffle_answers(examples, 2)[0]


def test_shuffle_counts_what_cannot_move_when_one_task_holds_most_examples() -> None:
    examples = [TrainingExample("big", (), f"b{i}") for i in range(5)]
    examples.append(TrainingExample("small", (), "s"))
    _, stayed = shuffle_answers(examples, 0)
    assert stayed == 4  # 6 examples, 5 of one task: at most 2 can change task


def test_build_examples_recipe_frontier_and_rehearsal_count() -> None:
    states = [
        _state(1, ["2", "2"]),  # solved always: not frontier, rehearsal only
        _state(3, ["4", "5", "6"]),  # frontier
        _state(5, ["7", "8"], repairs=["6"]),  # never solved at first attempt, repaired
    ]
    cfg = build_config({"pairs": {"recipe": ["rft", "repair", "rehearsal"], "frontier": True}})
    recipe = build_examples(DOMAIN, states, cfg.pairs, "specific", 0)
    kinds = Counter(e.kind for e in recipe.examples)
    # only t3 is at the frontier: 1 RFT answer, 2 repair pairs (5 and 6 -> 4)
    assert {e.task_id for e in recipe.examples if e.kind != "rehearsal"} == {"t3"}
    assert kinds == {"rft": 1, "repair": 2, "rehearsal": 2}  # round(3 * 0.5) = 2
    assert recipe.info["tasks_used"] == 1
    cfg = build_config({"pairs": {"recipe": ["repair", "rehearsal"]}})
    default = build_examples(DOMAIN, states, cfg.pairs, "specific", 0)
    assert Counter(e.kind for e in default.examples) == {"repair": 4, "rehearsal": 2}


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ({"recipe": ["rehearsal"]}, "it needs repair or rft"),
        ({"recipe": ["rft", "rft"]}, "names a kind twice"),
        ({"recipe": ["rtf"]}, r"pairs\.recipe\[0\]' has value 'rtf'; expected one of"),
        ({"recipe": "rft"}, "expected a list"),
    ],
)
def test_bad_recipes_are_one_line_errors(pairs, message) -> None:
    with pytest.raises(ConfigError, match=message):
        build_config({"pairs": pairs})


def test_include_solved_samples_greedy_solved_tasks_at_generation_zero_only() -> None:
    solved = _state(1, ["2"])
    unsolved = _state(2, ["9"])
    args = (4, 1, 2, DOMAIN.build_prompt, lambda t, a: DOMAIN.build_prompt(t))
    assert [r.task.id for r in plan_generation([solved, unsolved], 0, *args)] == ["t2"]
    with_solved = plan_generation([solved, unsolved], 0, *args, include_solved=True)
    assert [(r.task.id, r.n) for r in with_solved] == [("t1", 4), ("t2", 4)]
    later = plan_generation([solved, unsolved], 1, *args, include_solved=True)
    assert [r.task.id for r in later] == ["t2"]


def test_forge_run_default_data_and_its_console_lines_are_unchanged(tmp_path) -> None:
    """The default recipe is forge run's data: repair pairs + rehearsal from SEARCH, with the
    console lines of before the recipes existed."""
    from forge.session import Session

    from ..core.loop_support import Script, ScriptedEngine, config, loop_plugin

    lines: list[str] = []
    with loop_plugin():
        ScriptedEngine.script = Script()
        with Session.open(config(), None, out=tmp_path, echo=lines.append) as session:
            summary = session.run()
    n_repair, n_rehearsal = summary["pairs"]["repair"], summary["pairs"]["rehearsal"]
    tasks = len({e.task_id for e in ScriptedEngine.script.train_examples if e.kind == "repair"})
    assert n_repair > 0 and set(summary["pairs"]) == {"repair", "rehearsal"}
    assert any(
        line.startswith(
            f"  {n_repair} repair pairs from {tasks} tasks, {n_rehearsal} rehearsal examples -> "
        )
        for line in lines
    )
    assert (
        f"  {n_repair} repair pairs + {n_rehearsal} rehearsal examples, 40 iterations (scripted)"
        in lines
    )
