"""Known-answer fixtures: completions with the exact status and a piece of the feedback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "known_answers.jsonl"
ROWS = [json.loads(line) for line in FIXTURES.read_text().splitlines() if line.strip()]


def test_fixtures_cover_every_kind_of_answer() -> None:
    statuses = {row["status"] for row in ROWS}
    assert {"passed", "failed", "error", "timeout", "invalid"} <= statuses
    assert any(r["task"].startswith("HumanEval/") for r in ROWS)
    assert any(not r["task"].startswith("HumanEval/") for r in ROWS)


@pytest.mark.parametrize(
    "row", ROWS, ids=[f"{r['task']}-{r['status']}-{i}" for i, r in enumerate(ROWS)]
)
def test_known_answer(row, domain, builtin, humaneval, forge_sandbox) -> None:
    task = {**builtin, **humaneval}[row["task"]]
    verdict = domain.verify(task, domain.extract(row["completion"]), forge_sandbox)
    feedback = domain.feedback(task, verdict)
    assert verdict.status == row["status"], (verdict.status, feedback)
    assert row["feedback_contains"] in feedback, feedback
