"""Token sampling shared by every engine: temperature + nucleus, one random stream per sequence.

Semantics (the same in the MLX and llama.cpp engines):

* temperature 0 is greedy (argmax);
* otherwise the logits are divided by the temperature, the :data:`TOP_CANDIDATES` most likely
  tokens are kept, their probabilities are normalised over the *full* vocabulary, a token
  stays in the nucleus while the mass before it is below ``top_p``, and one token is drawn
  from the nucleus in proportion to its probability (inverse CDF of one uniform draw);
* the uniform for token ``t`` of sample ``j`` of a prompt is the ``t``-th draw of a random
  stream keyed by ``(seed, the prompt's token ids, j)`` (:func:`sequence_rng`), so a sequence
  gets the same draws however the population is batched, ordered or split across workers.

numpy only: an engine computes the top candidates where its logits live (MLX on device,
numpy for llama.cpp's host buffer) and hands the small ``(rows, 64)`` arrays to :func:`choose`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

TOP_CANDIDATES = 64
"""Nucleus sampling looks at this many most likely tokens (a cheap partial sort)."""

_MASK64 = (1 << 64) - 1


def sequence_rng(seed: int, prompt: Sequence[int], j: int) -> np.random.Generator:
    """Return the random stream of sample ``j`` of token prompt ``prompt`` under ``seed``.

    Called once per sequence when it starts; the stream depends on nothing else.
    """
    digest = hashlib.blake2b(np.asarray(prompt, dtype="<i8").tobytes(), digest_size=16).digest()
    words = [int.from_bytes(digest[i : i + 8], "little") for i in (0, 8)]
    return np.random.Generator(np.random.PCG64([int(seed) & _MASK64, *words, int(j) & _MASK64]))


def top_candidates(
    logits: np.ndarray, temperature: float, k: int = TOP_CANDIDATES
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(ids, scaled logits, logsumexp)`` of the ``k`` most likely tokens per row.

    ``logits`` is ``(rows, vocab)``; ids and logits come sorted by decreasing logit, scaled
    by ``1 / temperature``; the logsumexp is over each full (scaled) row.
    """
    x = np.asarray(logits, dtype=np.float32)
    k = min(k, x.shape[-1])
    idx = _top_ids(x, k)
    inv = np.float32(1.0 / temperature)
    top = np.take_along_axis(x, idx, axis=-1) * inv
    peak = x.max(axis=-1, keepdims=True)
    scaled = np.subtract(x, peak)
    scaled *= inv
    np.exp(scaled, out=scaled)
    lse = peak[:, 0] * inv + np.log(scaled.sum(axis=-1, dtype=np.float64))
    return (*sort_candidates(idx, top), lse)


_GROUP = 256


def _top_ids(x: np.ndarray, k: int) -> np.ndarray:
    """Ids of the ``k`` largest values per row (unordered), without partitioning whole rows.

    Each row is split into groups (group ``g`` holds the values at ``g, g + G, g + 2G, ...``);
    the ``k`` largest values lie in the ``k`` groups with the largest maxima (any other
    group's maximum is beaten by ``k`` distinct values), so only those groups are
    partitioned: a fraction of the work for a 150k vocabulary.
    """
    rows, vocab = x.shape
    groups = vocab // _GROUP
    if groups < 4 * k:
        return np.argpartition(-x, k - 1, axis=-1)[:, :k]
    body = x[:, : groups * _GROUP].reshape(rows, _GROUP, groups)
    best = np.argpartition(-body.max(axis=1), k - 1, axis=-1)[:, :k]  # (rows, k)
    cand = np.take_along_axis(body, best[:, None, :], axis=2).reshape(rows, -1)
    ids = (np.arange(_GROUP)[None, :, None] * groups + best[:, None, :]).reshape(rows, -1)
    tail = np.arange(groups * _GROUP, vocab)
    cand = np.concatenate([cand, x[:, groups * _GROUP :]], axis=-1)
    ids = np.concatenate([ids, np.broadcast_to(tail, (rows, tail.size))], axis=-1)
    pick = np.argpartition(-cand, k - 1, axis=-1)[:, :k]
    return np.take_along_axis(ids, pick, axis=-1)


def sort_candidates(ids: np.ndarray, top: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort each row's candidates by decreasing logit, ties by token id (engine-independent)."""
    order = np.lexsort((ids, -top), axis=-1)
    return np.take_along_axis(ids, order, axis=-1), np.take_along_axis(top, order, axis=-1)


def choose(
    ids: np.ndarray, top: np.ndarray, lse: np.ndarray, top_p: float, uniforms: np.ndarray
) -> np.ndarray:
    """Draw one token per row from the nucleus of its sorted top candidates; return the ids.

    ``top`` holds scaled logits sorted in decreasing order, ``lse`` each row's full-vocabulary
    logsumexp, ``uniforms`` one number in [0, 1) per row.
    """
    probs = np.exp(top.astype(np.float64) - np.asarray(lse, dtype=np.float64)[:, None])
    before = np.cumsum(probs, axis=-1) - probs
    keep = before < top_p
    keep[:, 0] = True  # the most likely token is always a candidate
    cdf = np.cumsum(np.where(keep, probs, 0.0), axis=-1)
    target = np.asarray(uniforms, dtype=np.float64) * cdf[:, -1]
    pick = (cdf <= target[:, None]).sum(axis=-1)
    pick = np.minimum(pick, keep.sum(axis=-1) - 1)
    return np.take_along_axis(ids, pick[:, None], axis=-1)[:, 0]


def draw(rngs: Sequence[np.random.Generator]) -> np.ndarray:
    """Return the next uniform of each row's stream (one step of decoding)."""
    return np.array([r.random() for r in rngs])


def sample_logits(
    logits: np.ndarray,
    temperature: float,
    top_p: float,
    rngs: Sequence[np.random.Generator],
) -> np.ndarray:
    """Pick the next token of each row of ``(rows, vocab)`` logits on the host (numpy).

    Greedy when ``temperature <= 0`` (the streams are left untouched); otherwise
    :func:`top_candidates` then :func:`choose` with one draw from each row's stream.
    """
    if temperature <= 0:
        return np.asarray(logits).argmax(axis=-1)
    if len(logits) == 0:  # a decode step of prompt chunks only (llama.cpp's first steps)
        return np.zeros(0, dtype=np.int64)
    ids, top, lse = top_candidates(logits, temperature)
    return choose(ids, top, lse, top_p, draw(rngs))
