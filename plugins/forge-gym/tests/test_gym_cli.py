"""The gym domain through forge's command line: tasks, verify, specs' errors, run's split."""

from __future__ import annotations

import json

import pytest
from forge.cli.main import main
from forge.config import build_config
from forge.plugins import get_domain
from forge.tasks import prepare_tasks as _prepare

SPEC = "gym:chain_sum?size=3"


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(argv))
    out, err = capsys.readouterr()
    return info.value.code, out, err


def verify(capsys, answer: str, monkeypatch) -> tuple[int, dict]:
    monkeypatch.setattr("sys.stdin", _Stdin(answer))
    code, out, _ = run_cli(
        capsys, "verify", "-d", "gym", "-t", SPEC, "--task", "chain_sum@0", "-c", "-", "--json"
    )
    return code, json.loads(out)


class _Stdin:
    def __init__(self, text: str) -> None:
        import io

        self.buffer = io.BytesIO(text.encode())


def test_verify_a_right_and_a_wrong_answer(capsys, monkeypatch) -> None:
    code, right = verify(capsys, "So the sum is -14282.\nAnswer: -14282\n", monkeypatch)
    assert (code, right["status"], right["score"]) == (0, "passed", 1.0)
    code, wrong = verify(capsys, "Answer: -14283", monkeypatch)
    assert (code, wrong["status"]) == (1, "failed")
    assert wrong["score"] < 1.0 and "-14282" not in wrong["feedback"]
    assert "expected form (an integer) but is not correct" in wrong["feedback"]


def test_verify_says_what_is_wrong_with_the_form(capsys, monkeypatch) -> None:
    code, verdict = verify(capsys, "Answer: fourteen", monkeypatch)
    assert code == 1 and verdict["feedback"] == "the answer should be an integer"


def test_tasks_lists_the_families_with_their_knobs(capsys) -> None:
    code, out, err = run_cli(capsys, "tasks", "--domain", "gym")
    assert code in (0, None)
    assert "Named sets (--tasks 'gym:NAME'):" in out
    line = next(x for x in out.splitlines() if x.strip().startswith("chain_sum "))
    assert "levels 0-10: num_terms 2/3/4" in line
    assert "UNSOUND, excluded" in next(x for x in out.splitlines() if "game_of_life_halting" in x)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("gym:chain_summ", "Error: Unknown task set 'chain_summ'. Did you mean 'chain_sum'?"),
        ("gym:chain_sum?max_term=3", "Error: gym:chain_sum?max_term=3: unknown option 'max_term'"),
        (
            "code:humaneval",
            "Error: Task source 'code:humaneval' belongs to the 'code' domain, not 'gym'. Add --domain code.",
        ),
    ],
)
def test_bad_specs_are_one_line_errors(capsys, spec: str, message: str) -> None:
    code, _, err = run_cli(capsys, "tasks", "--domain", "gym", "--tasks", spec)
    assert code == 2 and err.startswith(message) and err.count("\n") == 1


def test_forge_gym_families(capsys) -> None:
    code, out, err = run_cli(capsys, "gym", "families")
    assert code in (0, None) and "chain_sum" in out and "game_of_life_halting" not in out
    assert "unsound excluded by default" in err


def prepare_tasks(config):
    return _prepare(get_domain("gym"), config)


def config(tasks: str, heldout) -> object:
    return build_config({"domain": "gym", "tasks": {"source": tasks, "heldout": heldout}})


def test_run_split_with_a_heldout_spec_is_disjoint_by_construction(capsys) -> None:
    train, held = prepare_tasks(
        config("gym:chain_sum?size=100", "gym:chain_sum?size=50&split=heldout")
    )
    assert (len(train), len(held)) == (100, 50)
    assert {t.id for t in train}.isdisjoint(t.id for t in held)
    assert "Note:" not in capsys.readouterr().err


def test_run_split_drops_an_overlapping_heldout_range_from_training_and_says_so(capsys) -> None:
    train, held = prepare_tasks(config("gym:chain_sum?size=100", "gym:chain_sum?seed=90&size=50"))
    assert (len(train), len(held)) == (90, 50)
    assert {t.id for t in train}.isdisjoint(t.id for t in held)
    assert (
        "Note: 10 of the 100 tasks from --tasks are also in the held-out set"
        in capsys.readouterr().err
    )
