"""Known-answer fixtures: each completion gets exactly the expected verdict and feedback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent / "fixtures" / "known_answers.jsonl"
CASES = [json.loads(line) for line in FIXTURE.read_text().splitlines() if line.strip()]


def test_fixture_covers_good_wrong_and_hostile() -> None:
    """The fixture holds passing, failing and refused answers on at least 3 databases."""
    statuses = {c["status"] for c in CASES}
    assert {"passed", "failed", "error", "rejected", "timeout", "invalid"} <= statuses
    assert len({c["task"].split("-")[0] for c in CASES}) >= 4


@pytest.mark.parametrize("case", CASES, ids=[f"{i}-{c['task']}" for i, c in enumerate(CASES)])
def test_known_answer(case, sql_domain, sql_tasks, forge_sandbox) -> None:
    """Verify the completion; status and feedback text are exactly as recorded."""
    task = sql_tasks[case["task"]]
    verdict = sql_domain.verify(task, sql_domain.extract(case["completion"]), forge_sandbox)
    feedback = sql_domain.feedback(task, verdict)
    assert verdict.status == case["status"], (verdict.status, feedback)
    fragments = case["feedback_contains"]
    for fragment in [fragments] if isinstance(fragments, str) else fragments:
        assert fragment in feedback, (fragment, feedback)
    if verdict.status != "passed":
        assert sql_domain.score(verdict) < 1.0
