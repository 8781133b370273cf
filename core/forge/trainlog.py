"""What a training run reports beyond its loss: validation, early stopping, DPO margins.

The TRAIN phase (:func:`forge.loop`) and ``forge train`` print :func:`train_lines` and the
phase records :func:`train_stats` (so ``summary.json``'s ``train`` block holds them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from forge.params import TrainResult


def train_lines(result: TrainResult, fraction: float, tasks: int) -> list[str]:
    """Return the console lines about validation and DPO margins (empty when neither applies).

    ``fraction`` is ``train.validation_fraction``; ``tasks`` how many tasks gave examples.
    """
    lines = []
    curve = result.validation_losses
    best = _at(curve, result.best_iter)
    if curve and best is not None:
        end = (
            f"stopped early at iteration {result.iters} (train.patience)"
            if result.stopped_early
            else f"ran all {result.iters} iterations"
        )
        lines.append(
            f"validation: {_n(result.validation_examples, 'example')} from "
            f"{_n(len(result.validation_tasks), 'held-out training task')}; loss {curve[0][1]:.3f} -> "
            f"best {best:.3f} at iteration {result.best_iter}, {end}; adapter from iteration "
            f"{result.best_iter}"
        )
        points = " ".join(f"{it}:{v:.3f}" for it, v in curve)
        lines.append(f"validation loss by iteration: {points}")
        if result.best_iter == 0:
            lines.append(
                "validation: training never lowered the validation loss, so the adapter is "
                "the starting model"
            )
    elif fraction > 0 and tasks < 2:
        lines.append(
            f"validation: none (examples from {tasks} task; a split needs 2), "
            "the last iteration is kept"
        )
    if result.margins:
        lines.append(
            f"margin {result.margins[0][1]:.2f} -> {result.margins[-1][1]:.2f} (chosen minus "
            "rejected log-prob, each relative to the reference)"
        )
    if result.skipped:
        lines.append(
            f"{_n(result.skipped, 'example')} without a rejected answer skipped "
            "(train.dpo_sft_weight is 0)"
        )
    return lines


def train_stats(result: TrainResult) -> dict[str, Any]:
    """Return the validation and DPO fields of the TRAIN phase's stats (JSON-ready)."""
    curve = result.validation_losses
    return {
        "validation_losses": [[it, v] for it, v in curve],
        "best_iter": result.best_iter,
        "best_validation_loss": _at(curve, result.best_iter),
        "stopped_early": result.stopped_early,
        "validation_examples": result.validation_examples,
        "validation_tasks": list(result.validation_tasks),
        "final_margin": result.margins[-1][1] if result.margins else None,
        "skipped_examples": result.skipped,
    }


def _at(curve: Sequence[tuple[int, float]], it: int | None) -> float | None:
    return next((v for i, v in curve if i == it), None)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
