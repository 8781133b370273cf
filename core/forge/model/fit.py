"""The training loop forge's trainers share: compiled steps, validation, early stopping.

:func:`fit` runs one optimizer step per batch, measures the validation loss before the
first step, every ``eval_every`` steps and after the last, stops once ``patience``
measurements in a row bring no new best, and leaves the model holding the weights of the
best measurement (not the last step's). Trainers supply the loss and the batches;
:func:`batch_order` and :func:`eval_order` group examples of similar length.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import mlx.core as mx
import mlx.nn as nn
import numpy as np
from mlx.utils import tree_flatten, tree_unflatten

from forge.errors import ConfigError


@dataclass(frozen=True)
class Schedule:
    """How long to train and how often to validate (see ``TrainConfig``)."""

    iters: int
    eval_every: int = 10
    patience: int = 2

    def __post_init__(self) -> None:
        if self.eval_every < 1:
            raise ConfigError(
                f"Config key 'train.eval_every' is {self.eval_every}; it must be at least 1."
            )
        if self.patience < 0:
            raise ConfigError(
                f"Config key 'train.patience' is {self.patience}; it must be 0 (never stop "
                "early) or more."
            )


@dataclass
class FitLog:
    """What :func:`fit` measured."""

    losses: list[tuple[int, float]] = field(default_factory=list)
    metrics: list[tuple[int, float]] = field(default_factory=list)
    """The loss function's third output per step, when it has one (DPO: the margin)."""
    validation: list[tuple[int, float]] = field(default_factory=list)
    best_iter: int = 0
    iters: int = 0
    stopped_early: bool = False
    tokens: int = 0
    validation_seconds: float = 0.0


class _Best:
    """Keeps the trainable weights of the lowest validation loss seen so far."""

    def __init__(self, model: nn.Module, validate: Callable[[], float], patience: int) -> None:
        self.model, self.validate, self.patience = model, validate, patience
        self.loss, self.iter, self.since = math.inf, 0, 0
        self.weights: Any = None

    def measure(self, it: int, log: FitLog) -> bool:
        """Measure at iteration ``it``; return True when training should stop."""
        start = time.perf_counter()
        self.model.eval()
        loss = self.validate()
        self.model.train()
        log.validation_seconds += time.perf_counter() - start
        log.validation.append((it, loss))
        if self.weights is None or (not math.isnan(loss) and loss < self.loss):
            self.loss, self.iter, self.since = loss if not math.isnan(loss) else math.inf, it, 0
            self.weights = tree_flatten(self.model.trainable_parameters())
            return False
        self.since += 1
        return self.patience > 0 and self.since >= self.patience

    def restore(self, last: int) -> int:
        """Put the best weights back into the model; return their iteration."""
        if self.weights is not None and self.iter != last:
            self.model.update(tree_unflatten(self.weights))
        return self.iter


def fit(
    model: nn.Module,
    optimizer: Any,
    loss: Callable[..., tuple[mx.array, ...]],
    batches: Iterable[tuple[Any, ...]],
    schedule: Schedule,
    *,
    validate: Callable[[], float] | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> FitLog:
    """Train ``model`` with ``loss(model, *batch) -> (value, tokens[, metric])``; return the log.

    Without ``validate`` every step runs and the last weights stay. With it, the model ends
    holding the weights of the best validation loss (iteration 0: the starting weights).
    ``progress(iteration, total, loss)`` is called after every step.
    """
    state = [model.state, optimizer.state, mx.random.state]
    loss_and_grad = nn.value_and_grad(model, loss)

    @partial(mx.compile, inputs=state, outputs=state)
    def step(batch: tuple[Any, ...]) -> Any:
        out, grad = loss_and_grad(model, *batch)
        optimizer.update(model, grad)
        return out

    log = FitLog()
    best = _Best(model, validate, schedule.patience) if validate else None
    model.train()
    if best:
        best.measure(0, log)
    for it, batch in zip(range(1, schedule.iters + 1), batches, strict=False):
        out = step(batch)
        mx.eval(state, out)
        log.iters = it
        _record(log, it, out)
        if progress:
            progress(it, schedule.iters, log.losses[-1][1])
        due = it % schedule.eval_every == 0 or it == schedule.iters
        if best and due and best.measure(it, log):
            log.stopped_early = it < schedule.iters
            break
    if best and log.validation[-1][0] != log.iters:
        best.measure(log.iters, log)  # the last step is always measured
    log.best_iter = best.restore(log.iters) if best else log.iters
    model.eval()
    return log


def _record(log: FitLog, it: int, out: Sequence[mx.array]) -> None:
    values: list[Any] = [o.item() for o in out]
    log.losses.append((it, float(values[0])))
    log.tokens += int(values[1])
    if len(values) > 2:
        log.metrics.append((it, float(values[2])))


def batch_order(lengths: Sequence[int], batch_size: int, seed: int) -> Iterator[list[int]]:
    """Endless batches of example indices, as mlx-lm forms them: similar lengths together,
    the order of the batches shuffled on every pass (seeded). A short last batch is filled
    with the shortest examples, so every batch has ``batch_size`` rows."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    size = -(-len(order) // batch_size) * batch_size
    order = (order * -(-size // len(order)))[:size]
    groups = [order[i : i + batch_size] for i in range(0, size, batch_size)]
    rng = np.random.default_rng(seed)
    while True:
        for i in rng.permutation(len(groups)):
            yield groups[i]


def eval_order(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Every index once, in batches of similar length (the last may be short)."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
