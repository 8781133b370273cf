"""The TRAIN phase's extra console lines: validation outcome, no split, DPO margin, skips."""

from __future__ import annotations

from pathlib import Path

from forge.params import TrainResult
from forge.trainlog import train_lines, train_stats


def _result(**kwargs) -> TrainResult:
    return TrainResult(adapter_dir=Path("a"), iters=20, **kwargs)


def test_early_stop_and_a_best_at_iteration_zero_are_said() -> None:
    result = _result(
        validation_losses=[(0, 1.0), (10, 1.2), (20, 1.3)],
        best_iter=0,
        stopped_early=True,
        validation_examples=4,
        validation_tasks=["x", "y"],
    )
    lines = train_lines(result, 0.2, tasks=9)
    assert "best 1.000 at iteration 0, stopped early at iteration 20 (train.patience)" in lines[0]
    assert lines[1] == "validation loss by iteration: 0:1.000 10:1.200 20:1.300"
    assert "adapter is the starting model" in lines[2]
    assert train_stats(result)["best_validation_loss"] == 1.0


def test_no_split_with_one_task_margin_and_skips() -> None:
    result = _result(best_iter=20, margins=[(1, 0.0), (20, 2.5)], skipped=3)
    lines = train_lines(result, 0.2, tasks=1)
    assert lines[0].startswith("validation: none (examples from 1 task; a split needs 2)")
    assert lines[1].startswith("margin 0.00 -> 2.50")
    assert lines[2].startswith("3 examples without a rejected answer skipped")
    assert train_lines(_result(best_iter=20), 0.0, tasks=1) == []
    assert train_stats(result)["final_margin"] == 2.5
