"""Statistics for experiments: the unbiased pass@k estimator and bootstrap intervals.

Pure functions of numbers (no store, no I/O): :mod:`forge.experiment` feeds them per-task
metrics laid out as a ``seeds x tasks`` matrix. The bootstrap resamples seeds and tasks
independently (a crossed, two-way bootstrap), so an interval reflects both which tasks were
drawn and which random seed ran; a difference between two arms is resampled *paired*: the
same seeds and tasks for both arms in every replicate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import comb

import numpy as np

Matrix = Sequence[Sequence[float]]
"""``values[seed][task]``: one metric per (seed, task); every row has the same tasks."""


def pass_at_k(n: int, c: int, k: int) -> float:
    """Return the unbiased estimate of pass@k from ``n`` samples of which ``c`` passed.

    Chen et al. 2021 (Codex), eq. 1: ``1 - C(n-c, k) / C(n, k)``, the chance that at least
    one of ``k`` samples drawn without replacement from the ``n`` passes. Needs
    ``0 <= c <= n`` and ``1 <= k <= n``.
    """
    if not (0 <= c <= n and 1 <= k <= n):
        raise ValueError(f"pass_at_k needs 0 <= c <= n and 1 <= k <= n (n={n}, c={c}, k={k})")
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


@dataclass(frozen=True)
class Interval:
    """A point estimate with its bootstrap interval (``lo``, ``hi``) at ``confidence``."""

    mean: float
    lo: float
    hi: float
    confidence: float = 0.95

    @property
    def excludes_zero(self) -> bool:
        """True when the whole interval lies above or below zero."""
        return self.lo > 0 or self.hi < 0

    def to_dict(self) -> dict[str, float]:
        """Return ``{"mean", "lo", "hi", "confidence"}`` for JSON."""
        return {"mean": self.mean, "lo": self.lo, "hi": self.hi, "confidence": self.confidence}


def bootstrap(
    values: Matrix, resamples: int = 2000, confidence: float = 0.95, seed: int = 0
) -> Interval:
    """Return the mean of ``values`` with a percentile interval from the two-way bootstrap.

    Each replicate draws the seeds (rows) with replacement and, independently, the tasks
    (columns) with replacement, and takes the mean of the drawn cells. ``seed`` fixes the
    resampling so a summary is reproducible.
    """
    x = _matrix(values)
    idx = _indices(x.shape, resamples, seed)
    means = x[idx[0][:, :, None], idx[1][:, None, :]].mean(axis=(1, 2))
    return _interval(float(x.mean()), means, confidence)


def paired_difference(
    a: Matrix, b: Matrix, resamples: int = 2000, confidence: float = 0.95, seed: int = 0
) -> Interval:
    """Return mean(a - b) with its interval: the bootstrap of the per-(seed, task) differences.

    ``a`` and ``b`` hold the same seeds and tasks in the same order, so each replicate
    compares the two arms on the same draws (paired by task and seed).
    """
    xa, xb = _matrix(a), _matrix(b)
    if xa.shape != xb.shape:
        raise ValueError(f"paired_difference needs equal shapes, not {xa.shape} and {xb.shape}")
    return bootstrap(xa - xb, resamples, confidence, seed)


def _matrix(values: Matrix) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"bootstrap needs a non-empty seeds x tasks matrix, not shape {x.shape}")
    return x


def _indices(shape: tuple[int, ...], resamples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    seeds, tasks = shape
    return rng.integers(0, seeds, (resamples, seeds)), rng.integers(0, tasks, (resamples, tasks))


def _interval(mean: float, replicates: np.ndarray, confidence: float) -> Interval:
    tail = (1 - confidence) / 2 * 100
    lo, hi = np.percentile(replicates, [tail, 100 - tail])
    return Interval(mean, float(lo), float(hi), confidence)
