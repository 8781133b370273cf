"""The validation split: whole tasks, seeded, never every task, independent of order."""

from __future__ import annotations

import pytest

from forge.errors import ConfigError
from forge.types import TrainingExample
from forge.valsplit import split_by_task, validation_tasks


def _examples(tasks: int, per_task: int = 3) -> list[TrainingExample]:
    return [
        TrainingExample(f"t{t}", ({"role": "user", "content": f"q{t}.{k}"},), f"a{t}.{k}")
        for t in range(tasks)
        for k in range(per_task)
    ]


def test_no_task_is_on_both_sides() -> None:
    train, val, held = split_by_task(_examples(10), 0.3, seed=0)
    assert len(held) == 3 and len(val) == 9 and len(train) == 21
    assert {e.task_id for e in val} == set(held)
    assert not {e.task_id for e in train} & set(held)


def test_seeded_and_independent_of_example_order() -> None:
    examples = _examples(20)
    first = split_by_task(examples, 0.2, seed=1)[2]
    assert split_by_task(list(reversed(examples)), 0.2, seed=1)[2] == first
    others = {tuple(split_by_task(examples, 0.2, seed=s)[2]) for s in range(2, 8)}
    assert len(others | {tuple(first)}) > 1, "different seeds hold out different tasks"


@pytest.mark.parametrize(
    ("tasks", "fraction", "count"),
    [(10, 0.0, 0), (1, 0.5, 0), (2, 0.2, 1), (3, 0.9, 2), (10, 0.2, 2), (24, 0.2, 5)],
)
def test_how_many_tasks_validate(tasks: int, fraction: float, count: int) -> None:
    ids = [f"t{i}" for i in range(tasks)]
    held = validation_tasks(ids, fraction, seed=0)
    assert len(held) == count and set(held) <= set(ids)


def test_a_fraction_outside_0_1_is_a_one_line_error() -> None:
    with pytest.raises(ConfigError, match=r"train.validation_fraction' is 1.0; it must be in"):
        validation_tasks(["a", "b"], 1.0, seed=0)
