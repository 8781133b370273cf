"""forge.stats against known values: the pass@k estimator, and bootstrap intervals that cover
the truth in simulation."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from forge.stats import bootstrap, paired_difference, pass_at_k


@pytest.mark.parametrize(
    ("n", "c", "k", "want"),
    [
        (10, 0, 1, 0.0),
        (10, 10, 5, 1.0),
        (10, 3, 1, 0.3),
        (5, 2, 2, 0.7),  # 1 - C(3,2)/C(5,2) = 1 - 3/10
        (8, 1, 8, 1.0),
        (8, 1, 4, 0.5),  # 1 - C(7,4)/C(8,4) = 1 - 35/70
        (20, 2, 10, 1 - 90 / 380),  # 1 - C(18,10)/C(20,10) = 1 - (10 * 9) / (20 * 19)
    ],
)
def test_pass_at_k_known_values(n, c, k, want) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(want)


def test_pass_at_k_is_the_chance_a_k_subset_holds_a_pass() -> None:
    """Brute force over every k-subset of n samples: the estimator is exactly that average."""
    for n in range(1, 8):
        for c in range(n + 1):
            samples = [1] * c + [0] * (n - c)
            for k in range(1, n + 1):
                subsets = list(combinations(samples, k))
                want = sum(any(s) for s in subsets) / len(subsets)
                assert pass_at_k(n, c, k) == pytest.approx(want)


@pytest.mark.parametrize(("n", "c", "k"), [(4, 5, 1), (4, 2, 0), (4, 2, 5), (4, -1, 1)])
def test_pass_at_k_rejects_impossible_counts(n, c, k) -> None:
    with pytest.raises(ValueError, match="pass_at_k needs"):
        pass_at_k(n, c, k)


def test_bootstrap_of_a_constant_is_that_constant() -> None:
    iv = bootstrap([[0.25] * 10] * 3, resamples=200)
    assert (iv.mean, iv.lo, iv.hi) == (0.25, 0.25, 0.25)
    assert not iv.excludes_zero or iv.lo > 0


def test_bootstrap_width_matches_the_binomial_standard_error() -> None:
    """One seed, 400 tasks at p = 0.3: the 95% interval is about +-1.96 * sqrt(p(1-p)/n)."""
    rng = np.random.default_rng(1)
    x = (rng.random((1, 400)) < 0.3).astype(float)
    iv = bootstrap(x, resamples=4000, seed=2)
    p = x.mean()
    half = 1.96 * np.sqrt(p * (1 - p) / 400)
    assert iv.lo < p < iv.hi
    assert (iv.hi - iv.lo) / 2 == pytest.approx(half, rel=0.15)


def _simulate(rng: np.random.Generator, seeds: int, tasks: int, shift: float) -> np.ndarray:
    """Per-task success chances from Beta(2, 3) (mean 0.4), a per-seed shift, Bernoulli draws."""
    p = rng.beta(2, 3, size=tasks)[None, :] + rng.normal(0, shift, size=(seeds, 1))
    return (rng.random((seeds, tasks)) < np.clip(p, 0, 1)).astype(float)


def test_bootstrap_interval_covers_the_truth_about_95_percent_of_the_time() -> None:
    """400 simulated experiments (3 seeds x 50 tasks, true mean 0.4): coverage at least 95%.

    The two-way bootstrap counts the per-cell noise once per direction, so it is a little
    conservative (98% here); it must never under-cover, and never be so wide it always covers.
    """
    rng = np.random.default_rng(7)
    hits = 0
    trials = 400
    for i in range(trials):
        iv = bootstrap(_simulate(rng, 3, 50, 0.02), resamples=500, seed=i)
        hits += iv.lo <= 0.4 <= iv.hi
    assert 0.93 <= hits / trials <= 0.998, hits / trials


def test_paired_difference_covers_a_known_effect_and_pairs_by_cell() -> None:
    """An arm that turns each failure into a pass with chance 0.2 (true gain 0.2 * 0.6 = 0.12):
    the paired interval covers 0.12 in at least 95% of simulations (99% here: conservative,
    see above) and excludes zero in most."""
    rng = np.random.default_rng(11)
    hits = above = 0
    trials = 300
    for i in range(trials):
        base = _simulate(rng, 3, 50, 0.02)
        flip = rng.random(base.shape) < 0.2
        # the truth is the expected gain over the same task population: 0.2 * (1 - 0.4)
        better = np.maximum(base, flip.astype(float))
        iv = paired_difference(better, base, resamples=500, seed=i)
        hits += iv.lo <= 0.12 <= iv.hi
        above += iv.lo > 0
    assert 0.93 <= hits / trials <= 0.998, hits / trials
    assert above / trials > 0.9


def test_paired_difference_is_tighter_than_unpaired_when_arms_share_tasks() -> None:
    rng = np.random.default_rng(3)
    base = _simulate(rng, 2, 80, 0.0)
    same_plus = np.maximum(base, (rng.random(base.shape) < 0.1).astype(float))
    paired = paired_difference(same_plus, base, resamples=1000)
    a, b = bootstrap(same_plus, resamples=1000), bootstrap(base, resamples=1000)
    assert paired.hi - paired.lo < (a.hi - a.lo) + (b.hi - b.lo)


def test_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="equal shapes"):
        paired_difference([[1.0, 0.0]], [[1.0]])
    with pytest.raises(ValueError, match="non-empty"):
        bootstrap([])
