"""The shared sampler (forge.sampling): nucleus semantics, streams, greedy; numpy only."""

from __future__ import annotations

import numpy as np

from forge import sampling


def _rows(*rows: list[float]) -> np.ndarray:
    return np.array(rows, dtype=np.float32)


def test_top_candidates_are_the_sorted_best_with_full_vocabulary_logsumexp() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(3, 500)).astype(np.float32)
    ids, top, lse = sampling.top_candidates(logits, temperature=0.5)
    best = np.argsort(-logits, axis=-1)[:, :64]
    assert (ids == best).all()
    assert np.allclose(top, np.take_along_axis(logits, best, axis=-1) / 0.5)
    assert np.allclose(lse, np.log(np.exp(logits / 0.5).sum(axis=-1)), rtol=1e-5)


def test_nucleus_mass_is_measured_over_the_full_vocabulary() -> None:
    """A flat tail outside the top 64 keeps the cumulative mass low: all 64 stay candidates."""
    logits = np.zeros((1, 4096), dtype=np.float32)
    logits[0, :64] = np.linspace(3.0, 2.0, 64)  # top 64 hold about half of the mass
    ids, top, lse = sampling.top_candidates(logits, 1.0)
    picks = {int(sampling.choose(ids, top, lse, 0.9, np.array([u]))[0]) for u in (0.999, 0.9999)}
    assert max(picks) >= 60  # normalising over the top 64 alone would cut near token 55
    assert set(ids[0].tolist()) == set(range(64))


def test_top_p_cuts_the_tail_and_keeps_the_best_token() -> None:
    logits = _rows([10.0, 9.0, 0.0, -1.0, -2.0])
    ids, top, lse = sampling.top_candidates(logits, 1.0)
    uniforms = np.linspace(0, 0.999, 200)
    for top_p in (0.5, 0.9):
        picks = [sampling.choose(ids, top, lse, top_p, np.array([u]))[0] for u in uniforms]
        allowed = {0} if top_p == 0.5 else {0, 1}
        assert set(picks) == allowed
    assert sampling.choose(ids, top, lse, 0.0, np.array([0.999]))[0] == 0


def test_draws_follow_the_renormalised_nucleus_probabilities() -> None:
    logits = _rows([2.0, 1.0, 0.5, -3.0])
    ids, top, lse = sampling.top_candidates(logits, 1.0)
    rng = np.random.default_rng(1)
    picks = np.array([sampling.choose(ids, top, lse, 1.0, rng.random(1))[0] for _ in range(20000)])
    expected = np.exp(logits[0]) / np.exp(logits[0]).sum()
    freq = np.bincount(picks, minlength=4) / len(picks)
    assert np.abs(freq - expected).max() < 0.015


def test_streams_are_keyed_by_seed_prompt_and_sample_index() -> None:
    def first(seed: int, prompt: list[int], j: int) -> list[float]:
        r = sampling.sequence_rng(seed, prompt, j)
        return [r.random() for _ in range(3)]

    base = first(0, [1, 2, 3], 0)
    assert first(0, [1, 2, 3], 0) == base
    assert first(1, [1, 2, 3], 0) != base
    assert first(0, [1, 2, 4], 0) != base
    assert first(0, [1, 2, 3], 1) != base
    assert first(-1, [1, 2, 3], 0) == first(-1, [1, 2, 3], 0)  # negative seeds are fine


def test_sample_logits_greedy_and_rows_are_independent() -> None:
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(4, 300)).astype(np.float32)
    assert (sampling.sample_logits(logits, 0.0, 0.9, []) == logits.argmax(-1)).all()

    def streams() -> list[np.random.Generator]:
        return [sampling.sequence_rng(5, [i], 0) for i in range(4)]

    together = sampling.sample_logits(logits, 1.0, 0.95, streams())
    alone = [
        sampling.sample_logits(logits[i : i + 1], 1.0, 0.95, streams()[i : i + 1])[0]
        for i in range(4)
    ]
    assert together.tolist() == alone


def test_large_vocabularies_find_the_same_top_candidates() -> None:
    """The grouped partial sort used for big vocabularies finds exactly the true top 64."""
    rng = np.random.default_rng(3)
    for vocab in (49152, 151937):
        logits = rng.normal(size=(6, vocab)).astype(np.float32)
        logits[1, 7], logits[2, vocab - 1] = 50.0, 60.0  # a winner in a group, one in the tail
        logits[3, :64] = 40.0  # 64 tied winners in neighbouring positions
        logits[4, :: vocab // 256][:64] = 30.0  # 64 winners in one group
        ids, top, _ = sampling.top_candidates(logits, 1.0)
        best = np.argsort(-logits, axis=-1, kind="stable")[:, :64]
        assert (np.sort(ids, axis=-1) == np.sort(best, axis=-1)).all()
        assert (np.diff(top, axis=-1) <= 0).all()


def test_no_rows_sample_to_no_tokens_for_every_vocabulary_size() -> None:
    """A decode step of prompt chunks only has no running rows; sampling them must not fail
    (qwen2.5's 151,936-token vocabulary takes the grouped top-k path, which did)."""
    for vocab in (1000, 151_936):
        out = sampling.sample_logits(np.zeros((0, vocab), np.float32), 0.8, 0.95, [])
        assert out.shape == (0,)
