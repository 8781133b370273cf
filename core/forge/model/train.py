"""LoRA training through mlx-lm's tuner, on chat examples with the loss on the answer only."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
from mlx_lm.tuner import trainer as tuner
from mlx_lm.tuner.callbacks import TrainingCallback
from mlx_lm.tuner.utils import linear_to_lora_layers

from forge.errors import UsageError
from forge.model.params import TrainResult

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
    inputs, targets = batch[:, :-1], batch[:, 1:]
    hidden = model.model(inputs)
    pos = mx.minimum(positions, inputs.shape[1] - 1)
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
    tuner.TrainUI = _QuietUI
    try:
        yield
    finally:
        tuner.TrainUI = saved


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
) -> TrainResult:
    """Train a LoRA adapter on ``examples``, save it to ``out_dir`` and keep it applied to ``lm``.

    Returns the losses per iteration, training tokens/s, peak memory and wall time.
    """
    if optimizer not in OPTIMIZERS:
        raise UsageError(
            f"Unknown optimizer '{optimizer}'.", f"Use one of: {', '.join(OPTIMIZERS)}."
        )
    if not examples:
        raise UsageError("No training examples.", "Training needs at least one example.")
    data = [encode_example(lm, ex) for ex in examples]
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
    with _quiet_trainer():
        tuner.train(
            lm.model,
            OPTIMIZERS[optimizer](learning_rate),
            data,
            args=args,
            loss=answer_loss,
            iterate_batches=lambda **kw: answer_batches(**kw, seed=seed),
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
    )
