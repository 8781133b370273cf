"""LoRA supervised training on chat examples, with the loss on the answer only.

:func:`train_lora` attaches LoRA layers, trains them with :func:`forge.model.fit.fit`
(validation and early stopping when validation examples are given) and saves the adapter
in mlx-lm's format. The helpers here (encoding, answer log-probs, batches, saving) are the
ones the DPO trainer (:mod:`forge.model.dpo`) shares.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
from mlx.utils import tree_flatten
from mlx_lm.tuner import trainer as tuner
from mlx_lm.tuner.utils import linear_to_lora_layers

from forge.errors import UsageError
from forge.model.fit import Schedule, batch_order, eval_order, fit
from forge.model.prefix import FrozenPrefix, Inputs, final_hidden, frozen_layers
from forge.params import TrainResult

if TYPE_CHECKING:
    from forge.model.fit import FitLog
    from forge.model.lm import LanguageModel

__all__ = ["FrozenPrefix", "frozen_layers", "train_lora"]

OPTIMIZERS = {
    "adafactor": lambda lr: optim.Adafactor(
        learning_rate=lr, relative_step=False, scale_parameter=False
    ),
    "adam": lambda lr: optim.Adam(learning_rate=lr),
    "adamw": lambda lr: optim.AdamW(learning_rate=lr),
    "sgd": lambda lr: optim.SGD(learning_rate=lr),
}

Encoded = tuple[list[int], int]
"""An encoded example: (tokens, offset of the answer's first token)."""


def encode_example(lm: LanguageModel, example: dict) -> Encoded:
    """Return (tokens, answer offset) for {"messages": [...], "target": "answer"}.

    The tokens are the chat-rendered prompt followed by the answer and the end-of-turn token;
    the offset is where the answer starts, so the loss covers the answer only.
    """
    prompt = lm.encode_chat(list(example["messages"]))
    full = lm.encode_chat(
        [*example["messages"], {"role": "assistant", "content": example["target"]}],
        add_generation_prompt=False,
    )
    if full[: len(prompt)] == prompt and len(full) > len(prompt):
        return full, len(prompt)
    answer = lm.tokenizer.encode(example["target"], add_special_tokens=False)
    eos = lm.tokenizer.eos_token_ids
    return prompt + list(answer) + [next(iter(eos))], len(prompt)


def _project(model, hidden: mx.array) -> mx.array:
    """Apply the output projection (lm_head, or the tied embedding) to final hidden states."""
    if "lm_head" in model:
        return model.lm_head(hidden)
    return model.model.embed_tokens.as_linear(hidden)


def answer_logprobs(model, hidden: mx.array, batch: mx.array, lengths, positions):
    """Return per-row ``(sum of answer-token log-probs, answer tokens)`` from final states.

    The vocabulary projection (a fifth of SmolLM2's FLOPs) runs on the answer window
    ``positions`` only, not on every prompt token.
    """
    targets = batch[:, 1:]
    pos = mx.minimum(positions, targets.shape[1] - 1)
    picked = mx.take_along_axis(hidden, pos[..., None], axis=1)
    logits = _project(model, picked)
    steps = pos + 1
    mask = (steps >= lengths[:, 0:1]) & (steps <= lengths[:, 1:]) & (positions == pos)
    ce = nn.losses.cross_entropy(logits, mx.take_along_axis(targets, pos, axis=1)) * mask
    return -ce.astype(mx.float32).sum(axis=1), mask.sum(axis=1)


def sft_loss(model, first: mx.array, batch: mx.array, lengths, positions, *, count: int = 0):
    """Mean cross-entropy over the batch's answer tokens; ``first`` as for :func:`final_hidden`."""
    logp, ntoks = answer_logprobs(
        model, final_hidden(model, first, count), batch, lengths, positions
    )
    total = ntoks.sum()
    return -logp.sum() / total, total


def answer_loss(model, batch: mx.array, lengths: mx.array, positions: mx.array):
    """:func:`sft_loss` through every layer: the same value as mlx-lm's ``default_loss``."""
    return sft_loss(model, batch, batch, lengths, positions)


def pad_batch(rows: Sequence[Encoded]) -> tuple[mx.array, mx.array, mx.array]:
    """Return ``(tokens, [offset, length] per row, answer positions)`` for encoded rows.

    Rows are zero-padded to one plus a multiple of 32 tokens (mlx-lm's padding); the answer
    window is padded to a multiple of 32 positions.
    """
    width = 1 + 32 * ((max(len(t) for t, _ in rows) + 31) // 32)
    tokens = [t + [0] * (width - len(t)) for t, _ in rows]
    spans = [(max(off - 1, 0), len(t)) for t, off in rows]
    window = 32 * ((max(b - a for a, b in spans) + 31) // 32)
    positions = [list(range(a, a + window)) for a, _ in spans]
    lengths = [[off, len(t)] for t, off in rows]
    return mx.array(tokens), mx.array(lengths), mx.array(positions)


def answer_batches(
    dataset: Sequence[Encoded], batch_size: int, seed: int = 0
) -> Iterator[tuple[mx.array, mx.array, mx.array]]:
    """Endless padded training batches of ``dataset`` (:func:`batch_order`, :func:`pad_batch`)."""
    for idx in batch_order([len(t) for t, _ in dataset], batch_size, seed):
        yield pad_batch([dataset[i] for i in idx])


@contextmanager
def _quiet_trainer() -> Iterator[None]:
    """Silence mlx-lm's training console output (the benchmark's stock trainer uses this)."""

    class Quiet:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc: Any) -> None:
            return None

        def __getattr__(self, name: str):
            return lambda *a, **k: None

    saved = tuner.TrainUI
    tuner.TrainUI = Quiet  # type: ignore[misc,assignment]
    try:
        yield
    finally:
        tuner.TrainUI = saved  # type: ignore[misc]


def attach_lora(lm: LanguageModel, rank: int, scale: float, dropout: float, layers: int) -> dict:
    """Freeze the base model and add LoRA layers (or reuse the loaded adapter's); return config."""
    model = lm.model
    model.freeze()
    if lm.adapter_config is not None:  # continue training the adapter already applied
        model.apply_to_modules(
            lambda _, m: (
                m.unfreeze(keys=["lora_a", "lora_b"], strict=False)
                if hasattr(m, "lora_a")
                else None
            )
        )
        return {k: v for k, v in lm.adapter_config.items() if k != "forge"}
    n = len(model.layers) if layers < 0 else min(layers, len(model.layers))
    params = {"rank": rank, "scale": scale, "dropout": dropout}
    linear_to_lora_layers(model, n, params)
    return {"fine_tune_type": "lora", "num_layers": n, "lora_parameters": params}


def make_optimizer(name: str, learning_rate: float) -> Any:
    """Return the optimizer ``name`` (train.optimizer); a one-line error for an unknown one."""
    if name not in OPTIMIZERS:
        raise UsageError(f"Unknown optimizer '{name}'.", f"Use one of: {', '.join(OPTIMIZERS)}.")
    return OPTIMIZERS[name](learning_rate)


@dataclass(frozen=True)
class LoraSettings:
    """The LoRA layers, optimizer and schedule a trainer runs with (``train.*`` keys)."""

    rank: int = 4
    scale: float = 20.0
    dropout: float = 0.0
    num_layers: int = -1
    learning_rate: float = 1e-4
    iters: int = 40
    batch_size: int = 4
    max_seq_len: int = 1024
    optimizer: str = "adafactor"
    eval_every: int = 10
    patience: int = 2


@dataclass
class Run:
    """One training run once started: LoRA attached, the optimizer, schedule and inputs."""

    settings: LoraSettings
    config: dict
    optimizer: Any
    schedule: Schedule
    inputs: Inputs
    start: float


def begin(lm: LanguageModel, s: LoraSettings, seed: int, split_frozen: bool) -> Run:
    """Check the settings, seed MLX, attach LoRA to ``lm`` and start the clock."""
    optimizer, schedule = (
        make_optimizer(s.optimizer, s.learning_rate),
        Schedule(s.iters, s.eval_every, s.patience),
    )
    mx.random.seed(seed)
    config = attach_lora(lm, s.rank, s.scale, s.dropout, s.num_layers)
    mx.reset_peak_memory()
    start = time.perf_counter()
    return Run(s, config, optimizer, schedule, Inputs(lm.model, split_frozen), start)


def finish(lm: LanguageModel, run: Run, log: FitLog, out_dir: Path, meta: dict, **counts: Any):
    """Save the adapter ``lm`` now holds; return the TrainResult (``counts``: truncated, ...)."""
    seconds = time.perf_counter() - run.start
    forge_meta = {**meta, "iters": log.iters, "best_iter": log.best_iter}
    save_adapter(lm, out_dir, run.config, {**forge_meta, "lr": run.settings.learning_rate})
    return TrainResult(
        adapter_dir=out_dir,
        losses=log.losses,
        tokens_per_s=log.tokens / seconds if seconds else 0.0,
        peak_memory_mb=mx.get_peak_memory() / 1e6,
        seconds=seconds,
        iters=log.iters,
        validation_losses=log.validation,
        best_iter=log.best_iter,
        stopped_early=log.stopped_early,
        validation_seconds=log.validation_seconds,
        margins=log.metrics,
        **counts,
    )


def save_adapter(lm: LanguageModel, out_dir: Path, config: dict, forge_meta: dict) -> None:
    """Write the trainable weights and ``adapter_config.json``; mark ``lm`` as adapted."""
    out_dir.mkdir(parents=True, exist_ok=True)
    weights = dict(tree_flatten(lm.model.trainable_parameters()))
    mx.save_safetensors(str(out_dir / "adapters.safetensors"), weights)
    meta = {**config, "forge": {"base": lm.identity.get("name"), **forge_meta}}
    (out_dir / "adapter_config.json").write_text(json.dumps(meta, indent=2))
    lm.adapter_config = meta
    lm.identity["adapter"] = str(out_dir.resolve())


def train_lora(
    lm: LanguageModel,
    examples: Sequence[dict],
    out_dir: Path,
    *,
    validation: Sequence[dict] = (),
    seed: int = 0,
    progress: Callable[[int, int, float], None] | None = None,
    split_frozen: bool = True,
    **settings: Any,
) -> TrainResult:
    """Train a LoRA adapter on ``examples``, save it to ``out_dir`` and keep it applied to ``lm``.

    ``settings`` are :class:`LoraSettings` fields. With ``validation`` examples, their answer
    loss is measured before training, every ``eval_every`` iterations and at the end;
    training stops after ``patience`` measurements without a new best (0: never) and the
    adapter saved is the best one. With ``split_frozen`` (the default) the layers below the
    first LoRA layer run once per distinct example (:mod:`forge.model.prefix`); the loss
    and gradients are the same.
    """
    s = LoraSettings(**settings)
    make_optimizer(s.optimizer, s.learning_rate)  # a bad name fails before any work
    data, truncated, dropped = encode_all(lm, examples, s.max_seq_len)
    val, _, _ = fit_length([encode_example(lm, ex) for ex in validation], s.max_seq_len)
    run = begin(lm, s, seed, split_frozen)
    inputs = run.inputs
    loss = functools.partial(sft_loss, count=inputs.count)
    batches = (
        (inputs(batch, lengths), batch, lengths, positions)
        for batch, lengths, positions in answer_batches(data, s.batch_size, seed)
    )
    validate = functools.partial(mean_sft_loss, lm.model, loss, val, inputs, s.batch_size)
    log = fit(
        lm.model,
        run.optimizer,
        loss,
        batches,
        run.schedule,
        progress=progress,
        validate=validate if val else None,
    )
    counts = {"truncated": truncated, "dropped": dropped, "validation_examples": len(val)}
    return finish(lm, run, log, out_dir, {"method": "lora"}, **counts)


def encode_all(lm: LanguageModel, examples: Sequence[dict], max_len: int) -> tuple[list, int, int]:
    """Encode and fit SFT examples; a one-line error when none is left to train on."""
    if not examples:
        raise UsageError("No training examples.", "Training needs at least one example.")
    data, truncated, dropped = fit_length([encode_example(lm, ex) for ex in examples], max_len)
    if not data:
        raise UsageError(
            f"Every training example's prompt is at least {max_len} tokens long.",
            "Raise train.max_seq_len in the config.",
        )
    return data, truncated, dropped


def mean_sft_loss(model, loss: Callable, data: Sequence[Encoded], inputs: Inputs, size: int):
    """The answer cross-entropy over every answer token of ``data`` (the validation loss)."""
    total = tokens = 0.0
    for idx in eval_order([len(t) for t, _ in data], size):
        batch, lengths, positions = pad_batch([data[i] for i in idx])
        value, n = loss(model, inputs(batch, lengths), batch, lengths, positions)
        total, tokens = total + float(value) * int(n), tokens + int(n)
    return total / tokens


def fit_length(data: Sequence[Encoded], max_len: int) -> tuple[list[Encoded], int, int]:
    """Cut encoded examples to ``max_len`` tokens; return ``(kept, truncated, dropped)``.

    Cutting here keeps the console clean and counts what happened. An example whose answer
    would start at or after ``max_len`` has nothing left to learn from and is dropped.
    """
    kept: list[Encoded] = []
    truncated = dropped = 0
    for tokens, offset in data:
        if offset >= max_len - 1:
            dropped += 1
            continue
        if len(tokens) > max_len:
            truncated += 1
            tokens = tokens[:max_len]
        kept.append((tokens, offset))
    return kept, truncated, dropped
