"""The report on runs written by the real Session (scripted engine, deterministic arithmetic domain)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forge.report import load_summary, render, summary_lines
from forge.session import Session
from tests.core.loop_support import Script, ScriptedEngine, config, loop_plugin


def _loop(out: Path, fail_on_call: int | None = None) -> tuple[dict | None, Path]:
    """Run a session under ``out``; return its summary (None when interrupted) and folder."""
    ScriptedEngine.script = Script(fail_on_call=fail_on_call)
    with loop_plugin(), Session.open(config(), out=out, echo=lambda s: None) as session:
        try:
            return session.run(), session.run_dir
        except KeyboardInterrupt:
            return None, session.run_dir


def test_report_agrees_with_the_runs_summary(tmp_path: Path) -> None:
    summary, run_dir = _loop(tmp_path)
    assert summary is not None
    (run_dir / "summary.json").unlink()
    derived = load_summary(run_dir)  # no summary.json: rebuilt from the store
    for key in ("phases", "heldout", "pairs", "train", "phase_list", "partial"):
        assert derived[key] == summary[key], key
    (run_dir / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    lines = summary_lines(summary)
    assert lines[0] == "Training tasks (6)" and lines[5] == "Held-out tasks (2)"
    assert lines[-1].startswith(
        "Pairs: 3 repair + 2 rehearsal · Training: 2 iters, loss 2.00 -> 1.00"
    )
    html = render(run_dir).read_text(encoding="utf-8")
    assert html.count('<tr class="task ') == 8 and "interrupted run" not in html


@pytest.mark.parametrize(
    ("fail_on_call", "cut", "search_passed"),
    [(2, "search", None), (3, "search", 3), (4, "after", 6)],
)
def test_report_on_a_run_cut_off_mid_loop(
    tmp_path: Path, fail_on_call: int, cut: str, search_passed: int | None
) -> None:
    summary, run_dir = _loop(tmp_path, fail_on_call)
    assert summary is None
    html = render(run_dir).read_text(encoding="utf-8")
    assert "interrupted run" in html and f"cut off during <b>{cut}</b>" in html
    summary = load_summary(run_dir)
    assert summary["phases"]["before"]["total"] == 6 and "after" not in summary["phases"]
    assert (summary["phases"].get("search") or {}).get("passed") == search_passed
    assert summary_lines(summary)[3] == "  After:         not run"
