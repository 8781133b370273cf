"""DPO: preference training on verified chosen/rejected answers to the same prompt.

The policy is the model plus a LoRA adapter; the reference is the model training starts
from (the frozen base, or the base with ``model.adapter``), whose answer log-probs are
computed once per sequence before the first step. For each pair the loss is
``-log sigmoid(beta * margin)`` with ``margin = (policy - reference) log p(chosen) -
(policy - reference) log p(rejected)``, log-probs summed over answer tokens only; plus
``sft_weight`` times the mean per-token cross-entropy of the chosen answer, which keeps
DPO from lowering the likelihood of both answers. An example without a rejected answer is
trained on with that SFT term alone, or skipped when ``sft_weight`` is 0. Layers below the
first adapter run once per distinct sequence, as in LoRA training (:mod:`forge.model.prefix`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mlx.core as mx
import mlx.nn as nn

from forge.errors import UsageError
from forge.model.fit import batch_order, eval_order, fit
from forge.model.prefix import Inputs, final_hidden
from forge.model.train import (
    Encoded,
    LoraSettings,
    answer_logprobs,
    begin,
    encode_example,
    finish,
    fit_length,
    make_optimizer,
    pad_batch,
)
from forge.params import TrainResult

if TYPE_CHECKING:
    from forge.model.lm import LanguageModel

Pair = tuple[int, int | None]
"""Indices of a pair's chosen and rejected sequences (None: no rejected answer)."""


class PairData:
    """Encoded sequences, the pairs over them and the reference log-prob of each sequence."""

    def __init__(self, seqs: list[Encoded], pairs: list[Pair]) -> None:
        self.seqs, self.pairs = seqs, pairs
        self.ref: list[float] = []

    def lengths(self) -> list[int]:
        """Tokens per pair (chosen plus rejected), for grouping similar pairs in a batch."""
        return [
            len(self.seqs[c][0]) + (len(self.seqs[r][0]) if r is not None else 0)
            for c, r in self.pairs
        ]

    def rows(self, idx: Sequence[int]) -> tuple[list[int], list[int]]:
        """Return the batch's sequence ids (chosen ones, then rejected ones) and, for each
        rejected sequence, the row of its chosen one."""
        chosen = [self.pairs[i][0] for i in idx]
        with_rejected = [j for j, i in enumerate(idx) if self.pairs[i][1] is not None]
        rejected = [self.pairs[idx[j]][1] for j in with_rejected]
        return chosen + rejected, with_rejected  # type: ignore[list-item,operator]


def encode_pairs(
    lm: LanguageModel, examples: Sequence[dict], max_len: int, keep_single: bool
) -> tuple[PairData, int, int, int]:
    """Encode ``{"messages", "chosen", "rejected"}`` examples; return the data and the
    counts ``(truncated, dropped, skipped)``. A pair is dropped when either answer would
    start beyond ``max_len``; an example with no rejected answer is skipped unless
    ``keep_single`` (the SFT term trains it)."""
    seqs: list[Encoded] = []
    pairs: list[Pair] = []
    truncated = dropped = skipped = 0
    for ex in examples:
        if ex.get("rejected") is None and not keep_single:
            skipped += 1
            continue
        answers = [ex["chosen"]] + ([ex["rejected"]] if ex.get("rejected") is not None else [])
        encoded = [encode_example(lm, {"messages": ex["messages"], "target": a}) for a in answers]
        kept, cut, gone = fit_length(encoded, max_len)
        if gone:
            dropped += 1
            continue
        truncated += bool(cut)
        seqs.extend(kept)
        n = len(seqs)
        pairs.append((n - len(kept), n - 1 if len(kept) == 2 else None))
    return PairData(seqs, pairs), truncated, dropped, skipped


def sequence_logprobs(
    model, inputs: Inputs, seqs: Sequence[Encoded], batch_size: int
) -> list[float]:
    """Return each sequence's answer log-prob (summed over answer tokens) under ``model``."""
    out = [0.0] * len(seqs)
    for idx in eval_order([len(t) for t, _ in seqs], batch_size):
        batch, lengths, positions = pad_batch([seqs[i] for i in idx])
        hidden = final_hidden(model, inputs(batch, lengths), inputs.count)
        logp, _ = answer_logprobs(model, hidden, batch, lengths, positions)
        for i, value in zip(idx, logp.tolist(), strict=True):  # type: ignore[arg-type]
            out[i] = float(value)
    return out


def dpo_loss(model, first, batch, lengths, positions, ref, rejected_of, *, count, beta, sft_weight):
    """DPO loss of a batch (rows: chosen answers, then rejected ones) plus the SFT term.

    ``ref`` holds the reference log-prob of every row; ``rejected_of[k]`` is the chosen row
    of the k-th rejected row. Returns ``(loss, answer tokens, mean margin)``.
    """
    logp, ntoks = answer_logprobs(
        model, final_hidden(model, first, count), batch, lengths, positions
    )
    n_chosen = logp.shape[0] - rejected_of.shape[0]
    reward = logp - ref
    sft = (-logp[:n_chosen] / ntoks[:n_chosen]).mean()
    if rejected_of.shape[0] == 0:
        return sft_weight * sft, ntoks.sum(), mx.array(0.0)
    margin = mx.take(reward[:n_chosen], rejected_of) - reward[n_chosen:]
    dpo = -nn.log_sigmoid(beta * margin).mean()
    return dpo + sft_weight * sft, ntoks.sum(), margin.mean()


def _collate(data: PairData, inputs: Inputs, idx: Sequence[int]) -> tuple[mx.array, ...]:
    ids, rejected_of = data.rows(idx)
    batch, lengths, positions = pad_batch([data.seqs[i] for i in ids])
    ref = mx.array([data.ref[i] for i in ids])
    return inputs(batch, lengths), batch, lengths, positions, ref, mx.array(rejected_of, mx.int32)


def _mean_loss(model, loss: Callable, data: PairData, inputs: Inputs, batch_size: int) -> float:
    """The loss averaged over every pair of ``data`` (the validation loss)."""
    total = 0.0
    for idx in eval_order(data.lengths(), batch_size):
        total += float(loss(model, *_collate(data, inputs, idx))[0]) * len(idx)
    return total / len(data.pairs)


def train_dpo(
    lm: LanguageModel,
    examples: Sequence[dict],
    out_dir: Path,
    *,
    validation: Sequence[dict] = (),
    beta: float = 0.1,
    sft_weight: float = 0.0,
    seed: int = 0,
    progress: Callable[[int, int, float], None] | None = None,
    split_frozen: bool = True,
    **settings: Any,
) -> TrainResult:
    """Train a LoRA adapter with DPO on ``examples``; save it to ``out_dir``, keep it on ``lm``.

    ``settings`` are :class:`forge.model.train.LoraSettings` fields; ``batch_size`` counts
    examples (each pair runs two sequences). Validation, early stopping and the adapter
    kept work as in :func:`forge.model.train.train_lora`; the validation loss is this loss
    on the validation pairs.
    """
    s = LoraSettings(**settings)
    make_optimizer(s.optimizer, s.learning_rate)  # a bad name fails before any work
    data, counts = _encode_training(lm, examples, s.max_seq_len, sft_weight > 0)
    val, *_ = encode_pairs(lm, validation, s.max_seq_len, sft_weight > 0)
    run = begin(lm, s, seed, split_frozen)
    lm.model.eval()  # the reference: the starting weights, without dropout
    for part in (data, val):
        part.ref = sequence_logprobs(lm.model, run.inputs, part.seqs, 2 * s.batch_size)
    loss = functools.partial(dpo_loss, count=run.inputs.count, beta=beta, sft_weight=sft_weight)
    batches = (
        _collate(data, run.inputs, idx) for idx in batch_order(data.lengths(), s.batch_size, seed)
    )
    validate = functools.partial(_mean_loss, lm.model, loss, val, run.inputs, s.batch_size)
    log = fit(
        lm.model,
        run.optimizer,
        loss,
        batches,
        run.schedule,
        progress=progress,
        validate=validate if val.pairs else None,
    )
    meta = {"method": "dpo", "beta": beta, "sft_weight": sft_weight}
    return finish(lm, run, log, out_dir, meta, validation_examples=len(val.pairs), **counts)


def _encode_training(
    lm: LanguageModel, examples: Sequence[dict], max_len: int, keep_single: bool
) -> tuple[PairData, dict[str, int]]:
    """Encode the training pairs; one-line errors when there is nothing DPO can train on."""
    if not any(ex.get("rejected") is not None for ex in examples):
        raise UsageError(
            f"train.method dpo needs chosen/rejected pairs, but none of the {len(examples)} "
            "training examples has a rejected answer.",
            "Use train.method: lora, or examples with a 'rejected' answer (repair pairs have one).",
        )
    data, truncated, dropped, skipped = encode_pairs(lm, examples, max_len, keep_single)
    if not data.pairs:
        raise UsageError(
            f"Every DPO pair's prompt is at least {max_len} tokens long.",
            "Raise train.max_seq_len in the config.",
        )
    return data, {"truncated": truncated, "dropped": dropped, "skipped": skipped}
