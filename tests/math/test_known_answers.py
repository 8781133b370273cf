"""Known-answer fixtures: completions with the exact status and a piece of the feedback.

``task`` is a built-in task id or an inline task row (for tolerances and time limits).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forge_math.tasks import task_from_row

FIXTURES = Path(__file__).parent / "fixtures" / "known_answers.jsonl"
ROWS = [json.loads(line) for line in FIXTURES.read_text("utf-8").splitlines() if line.strip()]


def _task(row, builtin):
    spec = row["task"]
    return builtin[spec] if isinstance(spec, str) else task_from_row(spec, "fixture", "t", "t")


def test_fixtures_cover_every_kind_of_answer() -> None:
    statuses = {row["status"] for row in ROWS}
    assert {"passed", "failed", "invalid", "rejected"} <= statuses
    assert sum("(undecided)" in r["feedback_contains"] for r in ROWS) >= 2


@pytest.mark.parametrize("row", ROWS, ids=[f"{i}-{r['status']}" for i, r in enumerate(ROWS)])
def test_known_answer(row, domain, builtin, forge_sandbox) -> None:
    task = _task(row, builtin)
    verdict = domain.verify(task, domain.extract(row["completion"]), forge_sandbox)
    feedback = domain.feedback(task, verdict)
    assert verdict.status == row["status"], (verdict.status, feedback)
    assert row["feedback_contains"].lower() in feedback.lower(), feedback
    assert (domain.score(verdict) == 1.0) == (row["status"] == "passed")
