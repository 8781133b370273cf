"""The report on runs written by the real loop (scripted model, deterministic arithmetic domain)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forge.config import build_config
from forge.loop import run_loop, split_tasks
from forge.phases import Context
from forge.report import load_summary, render, summary_lines
from forge.store import RunStore
from tests.core.loop_support import ArithDomain, ScriptedLM

SEARCH = {"population_size": 2, "generations": 2, "elites": 1, "repairs_per_elite": 1}


def _loop(run_dir: Path, lm: ScriptedLM) -> tuple[dict, RunStore]:
    """Run the loop into ``run_dir`` and return its summary (raises if the model is interrupted)."""
    store = RunStore(run_dir / "forge.db")
    config = build_config({"search": SEARCH, "train": {"min_pairs": 1}})
    ctx = Context(
        domain=ArithDomain(), lm=lm, sandbox=None, store=store, config=config, echo=lambda s: None
    )
    train, held = split_tasks(ArithDomain().load_tasks(None), 0.25, seed=0)
    store.save_tasks(train, held)
    return run_loop(ctx, run_dir, train, held), store


def test_report_agrees_with_the_loops_summary(tmp_path: Path) -> None:
    summary, store = _loop(tmp_path, ScriptedLM())
    store.close()
    derived = load_summary(tmp_path)  # no summary.json yet: rebuilt from the store
    for key in ("phases", "heldout", "pairs", "train"):
        assert derived[key] == summary[key], key
    (tmp_path / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    lines = summary_lines(summary)
    assert lines[0] == "Training tasks (6)" and lines[5] == "Held-out tasks (2)"
    assert lines[-1].startswith(
        "Pairs: 3 repair + 2 rehearsal · Training: 2 iters, loss 2.00 -> 1.00"
    )
    html = render(tmp_path).read_text(encoding="utf-8")
    assert html.count('<tr class="task ') == 8 and "interrupted run" not in html


@pytest.mark.parametrize(
    ("fail_on_call", "cut", "search_passed"),
    [(2, "search", None), (3, "search", 3), (4, "after", 6)],
)
def test_report_on_a_run_cut_off_mid_loop(
    tmp_path: Path, fail_on_call: int, cut: str, search_passed: int | None
) -> None:
    with pytest.raises(KeyboardInterrupt):
        _loop(tmp_path, ScriptedLM(fail_on_call=fail_on_call))
    html = render(tmp_path).read_text(encoding="utf-8")
    assert "interrupted run" in html and f"cut off during <b>{cut}</b>" in html
    summary = load_summary(tmp_path)
    assert summary["phases"]["before"]["total"] == 6 and summary["phases"]["after"] is None
    assert (summary["phases"]["search"] or {}).get("passed") == search_passed
    assert summary_lines(summary)[3] == "  After:         not run"
