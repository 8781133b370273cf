"""Batched population generation: many prompts x many samples in one decode batch.

Identical prompts are prefilled once and their KV cache is broadcast to all their samples; the
longest prefix shared by all distinct prompts (e.g. the system prompt) is prefilled once too.
All samples then decode together; a sequence leaves the batch at an end-of-turn token, when
``stop(text)`` says its answer is complete, or at the token cap, and the batch shrinks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import mlx.core as mx
import numpy as np
from mlx_lm.models.cache import KVCache, make_prompt_cache

from forge import sampling
from forge.params import SamplingParams
from forge.sampling import TOP_CANDIDATES

PREFILL_CHUNK = 512


def _prefill(model, tokens: list[int], cache: list) -> mx.array:
    """Run ``tokens`` through ``model`` into ``cache``; return the last position's logits (V,)."""
    arr = mx.array(tokens)[None]
    for start in range(0, arr.shape[1] - 1, PREFILL_CHUNK):
        end = min(start + PREFILL_CHUNK, arr.shape[1] - 1)
        if end > start:
            model(arr[:, start:end], cache=cache)
            mx.eval([c.state for c in cache])
    return model(arr[:, -1:], cache=cache)[0, -1]


def _fork(cache: list) -> list:
    """Copy a list of KVCache without sharing mutable arrays (the next update reallocates)."""
    out = []
    for c in cache:
        n = KVCache()
        n.keys, n.values, n.offset = (
            c.keys[..., : c.offset, :],
            c.values[..., : c.offset, :],
            c.offset,
        )
        out.append(n)
    return out


def _common_prefix(prompts: list[tuple[int, ...]]) -> int:
    """Length of the prefix shared by all prompts, leaving at least one token of each."""
    if len(prompts) < 2:
        return 0
    n = min(len(p) for p in prompts) - 1
    first = prompts[0]
    for i in range(n):
        if any(p[i] != first[i] for p in prompts[1:]):
            return i
    return n


def prefill_prompts(model, prompts: list[tuple[int, ...]]) -> list[tuple[list, mx.array]]:
    """Prefill each distinct prompt once (sharing their common prefix); return (cache, logits)."""
    shared = _common_prefix(prompts)
    base = make_prompt_cache(model)
    can_fork = shared >= 16 and all(type(c) is KVCache for c in base)
    if can_fork:
        model(mx.array(prompts[0][:shared])[None], cache=base)
        mx.eval([c.state for c in base])
    out = []
    for p in prompts:
        cache = _fork(base) if can_fork else make_prompt_cache(model)
        logits = _prefill(model, list(p[shared:] if can_fork else p), cache)
        mx.eval(logits)
        out.append((cache, logits))
    return out


def sample(logits: mx.array, params: SamplingParams, rngs: list[np.random.Generator]) -> list[int]:
    """Draw one token per row of ``logits`` (B, V) with the shared sampler (forge.sampling).

    Greedy is an argmax on the device; otherwise the device keeps the 64 most likely tokens
    and the full-vocabulary logsumexp, and the host draws from row ``i``'s stream ``rngs[i]``.
    """
    if params.temperature <= 0:
        return [int(t) for t in np.array(mx.argmax(logits, axis=-1))]
    logits = logits.astype(mx.float32) / params.temperature
    k = min(TOP_CANDIDATES, logits.shape[-1])
    idx = mx.argpartition(-logits, kth=k - 1, axis=-1)[:, :k]
    top = mx.take_along_axis(logits, idx, axis=-1)
    lse = mx.logsumexp(logits, axis=-1)
    mx.eval(idx, top, lse)
    ids, top_np = sampling.sort_candidates(np.array(idx), np.array(top))
    return sampling.choose(ids, top_np, np.array(lse), params.top_p, sampling.draw(rngs)).tolist()


class _Rows:
    """Book-keeping for the sequences still decoding: output slot, tokens, finished texts."""

    def __init__(
        self, slots: list[int], rngs: list[np.random.Generator], decode: Callable[[list[int]], str]
    ):
        self.slots, self.rngs = slots, rngs
        self.tokens: list[list[int]] = [[] for _ in slots]
        self.decode = decode
        self.texts: dict[int, str] = {}

    def step(self, new: list[int], eos: set[int], stop, cap: int) -> list[int]:
        """Append one token per row; finish rows that ended; return the row indices to keep."""
        keep = []
        for row, tok in enumerate(new):
            toks = self.tokens[row]
            done = tok in eos
            if not done:
                toks.append(tok)
                text = self.decode(toks) if stop is not None or len(toks) >= cap else ""
                done = len(toks) >= cap or (stop is not None and stop(text))
            if done:
                self.texts[self.slots[row]] = self.decode(toks)
            else:
                keep.append(row)
        self.slots = [self.slots[r] for r in keep]
        self.rngs = [self.rngs[r] for r in keep]
        self.tokens = [self.tokens[r] for r in keep]
        return keep


def generate_batch(
    model,
    prompts: Sequence[Sequence[int]],
    counts: Sequence[int],
    params: SamplingParams,
    eos_ids: set[int],
    decode: Callable[[list[int]], str],
    stop: Callable[[str], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[list[str]]:
    """Generate ``counts[i]`` completions of token prompt ``prompts[i]``; return texts per prompt.

    All samples decode as one batch; see the module docstring for prefix sharing and stopping.
    """
    distinct = list(dict.fromkeys(tuple(p) for p in prompts))
    where = {p: i for i, p in enumerate(distinct)}
    prefilled = prefill_prompts(model, distinct)
    slots, owners = [], []  # slot -> (prompt index, sample index); owners -> distinct prompt
    for i, (p, n) in enumerate(zip(prompts, counts, strict=True)):
        for j in range(n):
            slots.append((i, j))
            owners.append(where[tuple(p)])
    total = len(slots)
    report = progress or (lambda *_: None)
    report(0, total)
    rngs = [sampling.sequence_rng(params.seed, prompts[i], j) for i, j in slots]
    rows = _Rows(list(range(total)), rngs, decode)
    if total:
        n_layers = len(prefilled[0][0])
        cache = [
            type(prefilled[0][0][li]).merge([prefilled[o][0][li] for o in owners])
            for li in range(n_layers)
        ]
        logits = mx.stack([prefilled[o][1] for o in owners])
        _decode_loop(model, cache, logits, rows, params, eos_ids, stop, report, total)
    out: list[list[str]] = [[""] * n for n in counts]
    for slot, (i, j) in enumerate(slots):
        out[i][j] = rows.texts.get(slot, "")
    return out


def _decode_loop(model, cache, logits, rows, params, eos_ids, stop, report, total) -> None:
    """Sample, append, drop finished rows, and step the model until every row has finished."""
    cap = max(1, params.max_tokens)
    while True:
        y = sample(logits, params, rows.rngs)
        keep = rows.step(y, eos_ids, stop, cap)
        report(total - len(keep), total)
        if not keep:
            return
        if len(keep) < len(y):
            idx = mx.array(keep)
            for c in cache:
                c.filter(idx)
        logits = model(mx.array([y[r] for r in keep])[:, None], cache=cache)[:, -1, :]
        mx.async_eval(logits)
