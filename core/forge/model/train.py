"""LoRA training through mlx-lm's tuner, on chat examples with the loss on the answer only."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
from mlx.utils import tree_flatten
from mlx_lm.models.base import create_attention_mask
from mlx_lm.tuner import trainer as tuner
from mlx_lm.tuner.callbacks import TrainingCallback
from mlx_lm.tuner.utils import linear_to_lora_layers

from forge.errors import UsageError
from forge.params import TrainResult

if TYPE_CHECKING:
    from forge.model.lm import LanguageModel

OPTIMIZERS = {
    "adafactor": lambda lr: optim.Adafactor(
        learning_rate=lr, relative_step=False, scale_parameter=False
    ),
    "adam": lambda lr: optim.Adam(learning_rate=lr),
    "adamw": lambda lr: optim.AdamW(learning_rate=lr),
    "sgd": lambda lr: optim.SGD(learning_rate=lr),
}


def encode_example(lm: LanguageModel, example: dict) -> tuple[list[int], int]:
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


def answer_loss(model, batch: mx.array, lengths: mx.array, positions: mx.array):
    """Cross-entropy on answer tokens only, projecting to the vocabulary only at ``positions``.

    Same value as mlx-lm's ``default_loss``, but the vocabulary projection (a fifth of the
    model's FLOPs for SmolLM2) runs on the answer window instead of every prompt token.
    """
    return _answer_ce(model, model.model(batch[:, :-1]), batch, lengths, positions)


def _answer_ce(model, hidden: mx.array, batch: mx.array, lengths, positions):
    """Cross-entropy of the answer tokens given the final (normed) hidden states."""
    targets = batch[:, 1:]
    pos = mx.minimum(positions, targets.shape[1] - 1)
    picked = mx.take_along_axis(hidden, pos[..., None], axis=1)
    logits = _project(model, picked)
    steps = pos + 1
    mask = (steps >= lengths[:, 0:1]) & (steps <= lengths[:, 1:]) & (positions == pos)
    ce = nn.losses.cross_entropy(logits, mx.take_along_axis(targets, pos, axis=1)) * mask
    ntoks = mask.sum()
    return ce.astype(mx.float32).sum() / ntoks, ntoks


def answer_batches(**kwargs: Any) -> Iterator[tuple[mx.array, mx.array, mx.array]]:
    """mlx-lm's batches plus the answer positions of each row (padded to a multiple of 32)."""
    for batch, lengths in tuner.iterate_batches(**kwargs):
        spans = [(max(int(a) - 1, 0), int(b)) for a, b in lengths.tolist()]
        width = max(b - a for a, b in spans)
        width = 32 * ((width + 31) // 32)
        rows = [list(range(a, a + width)) for a, _ in spans]
        yield batch, lengths, mx.array(rows)


PREFIX_FAMILIES = ("llama", "qwen2")
"""Model families whose decoder layers forge may run in two parts (same mask for every layer)."""


def frozen_layers(model) -> int:
    """Return how many leading decoder layers hold nothing trainable (0 when not splittable).

    With LoRA on the last N layers, the first ``len(layers) - N`` layers never change during
    training, so their output for an example is the same at every iteration: forge computes
    it once per example (:class:`FrozenPrefix`) instead of once per iteration. Only families
    whose layers all share one causal mask qualify; others train through the whole model.
    """
    if getattr(model, "model_type", None) not in PREFIX_FAMILIES:
        return 0
    layers = model.model.layers
    if any(getattr(layer, "use_sliding", False) for layer in layers):
        return 0
    for i, layer in enumerate(layers):
        if tree_flatten(layer.trainable_parameters()):
            return i
    return 0  # nothing trainable in any layer: no split (nothing to gain either)


class FrozenPrefix:
    """Hidden states after the frozen layers, computed once per distinct training example."""

    def __init__(self, model, count: int) -> None:
        self.model, self.count = model, count
        self.rows: dict[tuple[int, ...], mx.array] = {}

    def __call__(self, batch: mx.array, lengths: mx.array) -> mx.array:
        """Return the ``(rows, width, hidden)`` states of ``batch`` after the frozen layers.

        Padding positions hold zeros; causal attention keeps them out of every real position.
        """
        tokens: list[list[int]] = batch.tolist()  # type: ignore[assignment]
        spans: list[list[int]] = lengths.tolist()  # type: ignore[assignment]
        keys = [tuple(row[:n]) for row, (_, n) in zip(tokens, spans, strict=True)]
        if any(k not in self.rows for k in keys):
            hidden = self._run(batch)
            for j, key in enumerate(keys):
                self.rows.setdefault(key, hidden[j, : len(key)])
        width = batch.shape[1]
        out = []
        for key in keys:
            h = self.rows[key][:width]
            pad = width - h.shape[0]
            out.append(mx.pad(h, [(0, pad), (0, 0)]) if pad else h)
        return mx.stack(out)

    def _run(self, batch: mx.array) -> mx.array:
        inner = self.model.model
        h = inner.embed_tokens(batch)
        mask = create_attention_mask(h, None)
        for layer in inner.layers[: self.count]:
            h = layer(h, mask, None)
        mx.eval(h)
        return h


def suffix_loss(model, hidden: mx.array, batch: mx.array, lengths, positions, *, count: int):
    """:func:`answer_loss` starting from the frozen prefix's ``hidden`` states (same value)."""
    inner = model.model
    h = hidden[:, :-1]
    mask = create_attention_mask(h, None)
    for layer in inner.layers[count:]:
        h = layer(h, mask, None)
    return _answer_ce(model, inner.norm(h), batch, lengths, positions)


class _Recorder(TrainingCallback):
    """Collect per-iteration losses and throughput from mlx-lm's trainer."""

    def __init__(self, iters: int, progress: Callable[[int, int, float], None] | None):
        self.iters, self.progress = iters, progress
        self.losses: list[tuple[int, float]] = []
        self.tokens = 0

    def on_train_loss_report(self, info: dict[str, Any]) -> None:
        self.losses.append((int(info["iteration"]), float(info["train_loss"])))
        self.tokens = int(info["trained_tokens"])
        if self.progress:
            self.progress(int(info["iteration"]), self.iters, float(info["train_loss"]))


class _QuietUI:
    """Stand-in for mlx-lm's rich console UI: forge reports progress through its callback."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def __getattr__(self, name: str):
        return lambda *a, **k: None


@contextmanager
def _quiet_trainer() -> Iterator[None]:
    """Silence mlx-lm's training console output for the duration of a run."""
    saved = tuner.TrainUI
    tuner.TrainUI = _QuietUI  # type: ignore[misc,assignment]
    try:
        yield
    finally:
        tuner.TrainUI = saved  # type: ignore[misc]


def _attach_lora(lm: LanguageModel, rank: int, scale: float, dropout: float, layers: int) -> dict:
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
        return lm.adapter_config
    n = len(model.layers) if layers < 0 else min(layers, len(model.layers))
    params = {"rank": rank, "scale": scale, "dropout": dropout}
    linear_to_lora_layers(model, n, params)
    return {"fine_tune_type": "lora", "num_layers": n, "lora_parameters": params}


def train_lora(
    lm: LanguageModel,
    examples: Sequence[dict],
    out_dir: Path,
    *,
    rank: int = 4,
    scale: float = 20.0,
    dropout: float = 0.0,
    num_layers: int = -1,
    learning_rate: float = 1e-4,
    iters: int = 40,
    batch_size: int = 4,
    max_seq_len: int = 1024,
    optimizer: str = "adafactor",
    seed: int = 0,
    progress: Callable[[int, int, float], None] | None = None,
    split_frozen: bool = True,
) -> TrainResult:
    """Train a LoRA adapter on ``examples``, save it to ``out_dir`` and keep it applied to ``lm``.

    With ``split_frozen`` (the default) the layers below the first LoRA layer run once per
    distinct example instead of once per iteration (:func:`frozen_layers`); the loss and
    gradients are the same either way. Returns the losses per iteration, training tokens/s,
    peak memory and wall time.
    """
    if optimizer not in OPTIMIZERS:
        raise UsageError(
            f"Unknown optimizer '{optimizer}'.", f"Use one of: {', '.join(OPTIMIZERS)}."
        )
    if not examples:
        raise UsageError("No training examples.", "Training needs at least one example.")
    data, truncated, dropped = fit_length([encode_example(lm, ex) for ex in examples], max_seq_len)
    if not data:
        raise UsageError(
            f"Every training example's prompt is at least {max_seq_len} tokens long.",
            "Raise train.max_seq_len in the config.",
        )
    while len(data) < batch_size:
        data = data + data
    data += data[: -len(data) % batch_size]  # mlx-lm drops a partial last batch: fill it
    mx.random.seed(seed)
    config = _attach_lora(lm, rank, scale, dropout, num_layers)
    out_dir.mkdir(parents=True, exist_ok=True)
    args = tuner.TrainingArgs(
        batch_size=batch_size,
        iters=iters,
        steps_per_report=1,
        steps_per_eval=iters + 1,
        steps_per_save=iters + 1,
        max_seq_length=max_seq_len,
        adapter_file=str(out_dir / "adapters.safetensors"),
    )
    recorder = _Recorder(iters, progress)
    mx.reset_peak_memory()
    start = time.perf_counter()
    lm.model.train()
    frozen = frozen_layers(lm.model) if split_frozen else 0
    loss: Callable[..., Any]
    if frozen:
        prefix = FrozenPrefix(lm.model, frozen)
        loss = functools.partial(suffix_loss, count=frozen)

        def batches(**kw: Any) -> Iterator[tuple[mx.array, ...]]:
            for batch, lengths, positions in answer_batches(**kw, seed=seed):
                yield prefix(batch, lengths), batch, lengths, positions
    else:
        loss = answer_loss

        def batches(**kw: Any) -> Iterator[tuple[mx.array, ...]]:
            yield from answer_batches(**kw, seed=seed)

    with _quiet_trainer():
        tuner.train(
            lm.model,
            OPTIMIZERS[optimizer](learning_rate),
            data,
            args=args,
            loss=loss,
            iterate_batches=batches,
            training_callback=recorder,
        )
    seconds = time.perf_counter() - start
    lm.model.eval()
    meta = {
        **config,
        "forge": {"base": lm.identity.get("name"), "iters": iters, "lr": learning_rate},
    }
    (out_dir / "adapter_config.json").write_text(json.dumps(meta, indent=2))
    lm.adapter_config = meta
    lm.identity["adapter"] = str(out_dir.resolve())
    return TrainResult(
        adapter_dir=out_dir,
        losses=recorder.losses,
        tokens_per_s=recorder.tokens / seconds if seconds else 0.0,
        peak_memory_mb=mx.get_peak_memory() / 1e6,
        seconds=seconds,
        iters=iters,
        truncated=truncated,
        dropped=dropped,
    )


def fit_length(
    data: Sequence[tuple[list[int], int]], max_len: int
) -> tuple[list[tuple[list[int], int]], int, int]:
    """Cut encoded examples to ``max_len`` tokens; return ``(kept, truncated, dropped)``.

    Cutting here (rather than in mlx-lm's batcher, which prints a warning per batch) keeps
    the console clean and counts what happened. An example whose answer would start at or
    after ``max_len`` has nothing left to learn from and is dropped.
    """
    kept: list[tuple[list[int], int]] = []
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
