"""The console summary: exact lines for a known summary, missing phases, zero totals."""

from __future__ import annotations

from forge.report import phase_line, summary_lines
from forge.report.console import duration
from tests.report.synth import SUMMARY, stats


def test_summary_lines_exact() -> None:
    assert summary_lines(SUMMARY) == [
        "Training tasks (5)",
        "  Before:        2/5 ████░░░░░░  40%",
        "  Search:        4/5 ████████░░  80%",
        "  After:         3/5 ██████░░░░  60%",
        "  After+search:  5/5 ██████████ 100%",
        "Held-out tasks (3)",
        "  Before:        1/3 ███░░░░░░░  33%",
        "  Search:        not run",
        "  After:         2/3 ███████░░░  67%",
        "  After+search:  3/3 ██████████ 100%",
        "Pairs: 7 repair + 3 rehearsal · Training: 20 iters, loss 1.92 -> 0.81 · Time: 3m55s",
    ]


def test_run_stopped_after_before() -> None:
    summary = {"phases": {"before": stats(1, 4), "search": None}, "seconds": {"before": 7.6}}
    assert summary_lines(summary) == [
        "Training tasks (4)",
        "  Before:        1/4 ███░░░░░░░  25%",
        "  Search:        not run",
        "  After:         not run",
        "  After+search:  not run",
        "Pairs: 0 repair + 0 rehearsal · Training: not run · Time: 8s",
    ]


def test_empty_summary_does_not_fail() -> None:
    assert summary_lines({})[0] == "Training tasks"
    assert summary_lines({})[-1] == "Pairs: 0 repair + 0 rehearsal · Training: not run · Time: 0s"


def test_zero_total_and_wide_counts_align() -> None:
    assert phase_line("Before", 0, 0) == "  Before:        0/0 ░░░░░░░░░░  n/a"
    lines = summary_lines({"phases": {"before": stats(3, 120), "after": stats(120, 120)}})
    assert lines[1] == "  Before:         3/120 ░░░░░░░░░░   3%"
    assert lines[3] == "  After:        120/120 ██████████ 100%"
    assert len({line.index("/") for line in (lines[1], lines[3])}) == 1


def test_training_skipped_and_final_loss_only() -> None:
    skipped = {"train": {"iters": 0, "skipped": "only 1 repair pair (min_pairs 2)"}}
    assert "Training: skipped (only 1 repair pair (min_pairs 2))" in summary_lines(skipped)[-1]
    final_only = {"train": {"iters": 20, "final_loss": 0.8123}}
    assert "Training: 20 iters, loss 0.81 ·" in summary_lines(final_only)[-1]


def test_duration() -> None:
    assert [duration(s) for s in (0, 42.4, 235, 3725)] == ["0s", "42s", "3m55s", "1h02m"]


def test_no_heldout_tasks_leaves_the_block_out() -> None:
    summary = {"phases": {"before": stats(1, 2)}, "heldout": {"before": stats(0, 0)}}
    assert not any(line.startswith("Held-out") for line in summary_lines(summary))


def test_an_evaluation_shows_only_its_phases_and_no_training() -> None:
    summary = {
        "phase_list": ["before", "search"],
        "phases": {"before": stats(2, 24), "search": stats(3, 24)},
        "heldout": {"before": None, "search": None},
        "pairs": None,
        "train": None,
        "seconds": {"before": 125.0, "search": 827.0},
    }
    assert summary_lines(summary) == [
        "Tasks (24)",
        "  Before:        2/24 █░░░░░░░░░   8%",
        "  Search:        3/24 █░░░░░░░░░  13%",
        "Time: 15m52s",
    ]


def test_a_run_planned_without_after_search_shows_no_such_line_but_reports_training() -> None:
    summary = {"phase_list": ["before", "search", "pairs", "train", "after"], "phases": {}}
    lines = summary_lines(summary)
    assert lines[0] == "Training tasks" and "  After:         not run" in lines
    assert not any(line.startswith("  After+search") for line in lines)
    assert lines[-1].startswith("Pairs: 0 repair + 0 rehearsal · Training: not run")
