"""Equivalence policy: the runner's measurements and the trusted side's three outcomes."""

from __future__ import annotations

import time

import pytest

from forge.sandbox import JobResult
from forge_math.decide import decide_pairs
from forge_math.parser import parse_expression
from forge_math.runner import run
from forge_math.shapes import Pair


def pair(cand: str, ref: str) -> Pair:
    return Pair("expr", (parse_expression(cand),), (parse_expression(ref),))


class StubSandbox:
    """Answers every job with one fixed JobResult (to test how failures are judged)."""

    lanes = 1

    def __init__(self, result: JobResult) -> None:
        self.result = result
        self.jobs: list = []

    def run(self, job):
        self.jobs.append(job)
        return self.result


def test_runner_measures_plain_data_only() -> None:
    out = run({"pairs": [["expr", [parse_expression("x+2")], [parse_expression("x+1")]]]})
    sample = out["results"][0]["samples"][0]
    assert sample == {
        "point": {"x": "2"},
        "cand": [4.0, 0.0],
        "ref": [3.0, 0.0],
        "diff": [1.0, 0.0],
    }


def test_runner_stops_a_blown_up_proof_within_its_budget() -> None:
    hard = pair("(x+3)^300*(x-3)^300/(x^2-9)^299 + 6x + 18", "x^2+6x+9")
    start = time.monotonic()
    out = run({"pairs": [[hard.mode, list(hard.cand), list(hard.ref)]], "budget_s": 0.5})
    assert time.monotonic() - start < 3.0
    assert out["results"][0]["proved"] is False and out["results"][0]["note"].startswith("stopped")


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_runner_stops_a_prover_whose_first_alarm_is_swallowed(monkeypatch) -> None:
    """A timeout raised while Python runs a finalizer is printed and dropped, not raised."""
    import forge_math.runner as runner

    class SlowFinalizer:
        def __del__(self) -> None:
            _spin(1.0)  # the first tick lands here and is dropped

    def measure(mode, cand, ref, out) -> None:
        obj = SlowFinalizer()
        del obj
        _spin(6.0)

    monkeypatch.setattr(runner, "_measure", measure)
    start = time.monotonic()
    out = run({"pairs": [["expr", [], []]], "budget_s": 0.3})
    assert time.monotonic() - start < 2.5
    assert out["results"][0]["note"].startswith("stopped")


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_rationals_are_exact_and_need_no_sandbox() -> None:
    stub = StubSandbox(JobResult("crash", message="should not run"))
    decisions, _ = decide_pairs([pair("0.5", "1/2"), pair("0.333", "1/3")], stub, None, 1.0)
    assert [d.outcome for d in decisions] == ["equal", "differ"] and stub.jobs == []


def test_plain_number_references_want_a_computed_value() -> None:
    stub = StubSandbox(JobResult("crash"))
    pairs = [pair("45/9", "5"), pair("2+3", "5"), pair("-10/2", "-5"), pair("2/4", "1/2")]
    decisions, _ = decide_pairs(pairs, stub, None, 1.0)
    assert [d.message.split(" is ")[-1] for d in decisions] == [
        "not a final number: compute and simplify it"
    ] * 4
    decisions, _ = decide_pairs(pairs, stub, None, 1.0, form="any")
    assert [d.outcome for d in decisions] == ["equal"] * 4


def test_tolerance_is_relative_when_given() -> None:
    stub = StubSandbox(JobResult("crash"))
    decisions, _ = decide_pairs([pair("0.333", "1/3"), pair("0.3", "1/3")], stub, 1e-3, 1.0)
    assert [d.outcome for d in decisions] == ["equal", "differ"]


@pytest.mark.parametrize("status", ["timeout", "crash", "memory", "error", "rejected"])
def test_sandbox_failures_are_undecided(status: str) -> None:
    stub = StubSandbox(JobResult(status, message=f"{status} happened"))
    decisions, info = decide_pairs([pair("sqrt(2)", "2^(1/2)")], stub, None, 1.0)
    assert decisions[0].outcome == "undecided" and status in decisions[0].message
    assert info.status == status


def test_malformed_runner_data_is_undecided() -> None:
    stub = StubSandbox(JobResult("ok", value={"results": [{"const": True, "samples": [{}]}]}))
    decisions, _ = decide_pairs([pair("sqrt(2)", "2^(1/2)")], stub, None, 1.0)
    assert decisions[0].outcome == "undecided"


def test_a_lying_runner_cannot_pass_a_non_finite_candidate() -> None:
    lie = {"results": [{"cand_finite": False, "proved": True, "const": True, "samples": []}]}
    decisions, _ = decide_pairs([pair("1/(x-x)", "1")], StubSandbox(JobResult("ok", lie)), None, 1)
    assert decisions[0].outcome == "differ"


def test_non_finite_values_never_pass(forge_sandbox) -> None:
    ref = "sqrt(2)"  # not a plain number, so no form rule decides first
    pairs = [pair("1/(x-x)", ref), pair("oo", ref), pair("0*oo", ref), pair("1/0", ref)]
    decisions, _ = decide_pairs(pairs, forge_sandbox, None, 1.0)
    assert [d.outcome for d in decisions] == ["differ"] * 4
    assert all("not a finite number" in d.message for d in decisions)


def test_symbolic_equal_needs_a_proof(forge_sandbox) -> None:
    pairs = [pair("sqrt(x^2)", "|x|"), pair("sqrt(x^2)", "x"), pair("(x^3-1)/(x-1)", "x^2+x+1")]
    decisions, info = decide_pairs(pairs, forge_sandbox, None, 2.0)
    assert [d.outcome for d in decisions] == ["equal", "differ", "equal"]
    assert "at x=-1" in decisions[1].message and info.status == "ok"


def test_irrational_constants_compare_numerically(forge_sandbox) -> None:
    pairs = [
        pair("sqrt(2)/2", "1/sqrt(2)"),
        pair("1.41421", "sqrt(2)"),
        pair("1.41421356237", "sqrt(2)"),  # within the default relative tolerance 1e-9
        pair("e^(i pi)", "cos(pi)"),
    ]
    decisions, _ = decide_pairs(pairs, forge_sandbox, None, 2.0)
    assert [d.outcome for d in decisions] == ["equal", "differ", "equal", "equal"]
    assert decisions[1].message == "your answer 1.41421 differs from the expected value"
