"""The validation split of training examples: whole tasks held out, seeded.

Every trainer that early-stops calls :func:`split_by_task` before training. Examples of one
task land on one side only, so the validation loss measures how the adapter does on tasks
it never saw (generalisation), not on other answers to the tasks it learns (memorisation).
Nothing here imports MLX.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

from forge.errors import ConfigError
from forge.types import TrainingExample

E = TypeVar("E", bound=TrainingExample)


def validation_tasks(task_ids: Sequence[str], fraction: float, seed: int) -> list[str]:
    """Return the sorted task ids held out for validation (empty when none can be).

    ``round(fraction * tasks)`` tasks, at least one when ``fraction > 0``, and never all of
    them: with fewer than two tasks there is no split. The choice depends only on the set
    of task ids and ``seed``, not on the order the examples came in.
    """
    if not 0.0 <= fraction < 1.0:
        raise ConfigError(
            f"Config key 'train.validation_fraction' is {fraction}; it must be in [0, 1).",
            "Use e.g. 0.2 (a fifth of the tasks validate), or 0 for no validation.",
        )
    tasks = sorted(set(task_ids))
    if fraction == 0.0 or len(tasks) < 2:
        return []
    count = min(max(1, round(fraction * len(tasks))), len(tasks) - 1)
    random.Random(f"forge-validation:{seed}").shuffle(tasks)
    return sorted(tasks[:count])


def split_by_task(
    examples: Sequence[E], fraction: float, seed: int
) -> tuple[list[E], list[E], list[str]]:
    """Return ``(train, validation, validation task ids)``; each keeps the examples' order."""
    held = set(validation_tasks([e.task_id for e in examples], fraction, seed))
    train = [e for e in examples if e.task_id not in held]
    val = [e for e in examples if e.task_id in held]
    return train, val, sorted(held)
