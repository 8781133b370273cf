"""Hostile answers: nothing they contain runs, in scorers that eval or sympy-parse the answer."""

from __future__ import annotations

import pytest
from forge.plugins import get_domain
from forge.sandbox import Job
from forge.tasks import load_tasks

from forge_gym import domain as gym_domain
from forge_gym import screen


def gym():
    """The gym domain (looked up in each test, after conftest loaded the plugin)."""
    return get_domain("gym")


CODE_GENERATORS = sorted(screen.CODE_SCORERS)


def one_task(name: str):
    return load_tasks(gym(), f"gym:{name}?size=1&allow_unsound=1")[0]


def hostile(mark: str) -> list[str]:
    return [
        f"__import__('os').system('touch {mark}')",
        f"open('{mark}', 'w').write('x')",
        "print('PWNED')",
        "x + __import__('os').write(1, b'PWNED')",
        "[__import__('os').write(1, b'PWNED')]",
        "oracle_answer",
        "(lambda: 24)()",
        "1 .real",
    ]


@pytest.mark.parametrize("name", CODE_GENERATORS)
def test_hostile_answers_leave_no_trace(name, forge_sandbox, tmp_path) -> None:
    mark = tmp_path / "pwned"
    task = one_task(name)
    for answer in hostile(str(mark)):
        verdict = gym().verify(task, answer, forge_sandbox)
        assert verdict.status != "passed" and gym().score(verdict) == 0.0, (answer, verdict)
        assert verdict.status in ("rejected", "failed"), (answer, verdict)
        assert "PWNED" not in gym().feedback(task, verdict)
    assert not mark.exists()


def test_the_reference_answer_passes_the_screen_everywhere() -> None:
    for name in CODE_GENERATORS:
        task = one_task(name)
        assert screen.screen(name, task.data["answer"], task.data["answer"]) == screen.OK, name


def test_without_the_screen_the_scorer_would_run_the_answer(forge_sandbox) -> None:
    """Why the screen matters: unscreened, sympy's parse_expr runs the answer in the child."""
    task = one_task("polynomial_multiplication")
    answer = "x + __import__('os').write(1, b'PWNED')"
    raw = forge_sandbox.run(
        Job(gym_domain.RUNNER, gym_domain.payload(task, [answer]), gym_domain.limits())
    )
    assert "PWNED" in raw.stdout  # the child executed it (and could have forged its score)
    verdict = gym().verify(task, answer, forge_sandbox)
    assert verdict.status == "rejected" and "unknown name '__import__'" not in verdict.message


def test_a_name_cannot_read_the_reference_from_the_scorers_frame(forge_sandbox) -> None:
    """string_insertion evals the answer for partial credit: 'oracle_answer' would earn 0.1."""
    task = one_task("string_insertion")
    raw = forge_sandbox.run(
        Job(gym_domain.RUNNER, gym_domain.payload(task, ["oracle_answer"]), gym_domain.limits())
    )
    assert raw.value["results"][0]["score"] == pytest.approx(0.1)
    verdict = gym().verify(task, "oracle_answer", forge_sandbox)
    assert verdict.status == "failed" and gym().score(verdict) == 0.0


@pytest.mark.parametrize("answer", ["garbage", "2 * x", "[[[[", "7" * 5000])
def test_a_scorer_that_raises_gives_a_clean_verdict(answer, forge_sandbox) -> None:
    task = one_task("prime_factorization")
    verdict = gym().verify(task, answer, forge_sandbox)
    assert verdict.status in ("error", "failed", "rejected")
    assert gym().score(verdict) == 0.0 and gym().feedback(task, verdict).strip()
    assert "Traceback" not in verdict.message and str(task.data["answer"]) not in gym().feedback(
        task, verdict
    )
