"""The shared training loop: validation schedule, early stopping, best weights kept."""

from __future__ import annotations

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
import pytest
from mlx.utils import tree_flatten

from forge.errors import ConfigError
from forge.model.fit import Schedule, batch_order, eval_order, fit


def _setup(scripted: list[float]):
    """A linear model, batches that always pull its weights, and a validation function that
    returns ``scripted`` losses in turn while recording the weights it saw."""
    mx.random.seed(0)
    model = nn.Linear(3, 1)
    x, y = mx.ones((4, 3)), mx.full((4, 1), 5.0)

    def loss(m, xb, yb):
        return ((m(xb) - yb) ** 2).mean(), mx.array(4)

    seen: list[list[float]] = []

    def validate() -> float:
        seen.append(_weights(model))
        return scripted[len(seen) - 1]

    batches = iter(lambda: (x, y), None)
    return model, loss, batches, validate, seen


def _weights(model) -> list[float]:
    return [float(v) for _, a in tree_flatten(model.trainable_parameters()) for v in a.reshape(-1)]


def test_stops_after_patience_and_keeps_the_best_weights() -> None:
    model, loss, batches, validate, seen = _setup([9.0, 5.0, 4.0, 6.0, 7.0, 8.0])
    log = fit(model, optim.SGD(0.01), loss, batches, Schedule(50, 3, 2), validate=validate)
    assert [it for it, _ in log.validation] == [0, 3, 6, 9, 12]
    assert (log.best_iter, log.iters, log.stopped_early) == (6, 12, True)
    assert _weights(model) == seen[2] != seen[-1]
    assert len(log.losses) == 12 and log.tokens == 48 and log.validation_seconds >= 0


def test_the_last_iteration_is_always_measured_and_zero_patience_never_stops() -> None:
    model, loss, batches, validate, seen = _setup([3.0, 4.0, 5.0, 6.0, 7.0])
    log = fit(model, optim.SGD(0.01), loss, batches, Schedule(7, 3, 0), validate=validate)
    assert [it for it, _ in log.validation] == [0, 3, 6, 7]
    assert (log.best_iter, log.iters, log.stopped_early) == (0, 7, False)
    assert _weights(model) == seen[0], "iteration 0 best: the starting weights come back"


def test_without_validation_every_step_runs_and_the_last_weights_stay() -> None:
    model, loss, batches, _, _ = _setup([])
    log = fit(model, optim.SGD(0.01), loss, batches, Schedule(5, 1, 1))
    assert (log.best_iter, log.iters, log.validation) == (5, 5, [])
    assert log.losses[-1][1] < log.losses[0][1]


def test_batches_group_lengths_fill_the_last_batch_and_eval_sees_each_once() -> None:
    lengths = [5, 1, 9, 3, 7]
    groups = [g for g, _ in zip(batch_order(lengths, 2, seed=0), range(6), strict=False)]
    assert all(len(g) == 2 for g in groups)
    assert sorted(map(sorted, groups[:3])) == [
        [0, 4],
        [1, 2],
        [1, 3],
    ]  # by length: 1 3 | 0 4 | 2 +1
    assert sorted(i for g in eval_order(lengths, 2) for i in g) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"eval_every": 0}, "train.eval_every' is 0"), ({"patience": -1}, "train.patience' is -1")],
)
def test_bad_schedule_is_a_one_line_error(kwargs, message) -> None:
    with pytest.raises(ConfigError, match=message):
        Schedule(10, **kwargs)
