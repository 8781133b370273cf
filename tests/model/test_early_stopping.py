"""LoRA with a validation split on a tiny model: early stop, best adapter kept, by task."""

from __future__ import annotations

import json
from pathlib import Path

import forge.model as fm
from forge.config import TrainConfig
from forge.model.train import encode_example, pad_batch, sft_loss, train_lora
from forge.model.trainer import LoraTrainer
from forge.types import TrainingExample

ASK = [{"role": "user", "content": "Is it?"}]


def _val_loss(lm, examples: list[dict]) -> float:
    batch, lengths, positions = pad_batch([encode_example(lm, ex) for ex in examples])
    value, _ = sft_loss(lm.model, batch, batch, lengths, positions)
    return float(value)


def test_validation_loss_rises_and_the_best_adapter_is_kept(tiny_lm, tiny_folder, tmp_path):
    """Training on 'yes' over-fits for a validation task answering 'no': training stops
    after ``patience`` worse measurements and the saved adapter is the best one, not the last."""
    val = [{"messages": ASK, "target": "no"}]
    out = tmp_path / "adapter"
    result = train_lora(
        tiny_lm,
        [{"messages": ASK, "target": "yes"}] * 2,
        out,
        validation=val,
        learning_rate=3e-2,
        optimizer="adam",
        iters=40,
        batch_size=2,
        eval_every=2,
        patience=3,
    )
    curve = result.validation_losses
    assert [it for it, _ in curve] == list(range(0, result.iters + 1, 2))
    best_iter, best = min(curve, key=lambda p: p[1])
    assert result.best_iter == best_iter and 0 < best_iter < result.iters
    assert result.stopped_early and result.iters < 40 and len(result.losses) == result.iters
    assert result.validation_examples == 1 and result.validation_seconds > 0
    assert json.loads((out / "adapter_config.json").read_text())["forge"]["best_iter"] == best_iter
    reloaded = fm.load(str(tiny_folder), adapter=out)
    assert abs(_val_loss(reloaded, val) - best) < 1e-3 * best
    assert abs(_val_loss(reloaded, val) - curve[-1][1]) > 1e-2


def test_without_validation_the_last_iteration_is_kept(tiny_lm, tmp_path) -> None:
    result = train_lora(
        tiny_lm, [{"messages": ASK, "target": "yes"}] * 2, tmp_path / "a", iters=3, batch_size=2
    )
    assert (result.best_iter, result.iters, result.validation_losses) == (3, 3, [])


def test_the_trainer_holds_out_whole_tasks(tiny_folder, tmp_path) -> None:
    examples = [
        TrainingExample(f"task{t}", ({"role": "user", "content": f"q{t} {k}"},), f"a{t}")
        for t in range(5)
        for k in range(2)
    ]
    config = TrainConfig(iters=4, batch_size=2, eval_every=2, validation_fraction=0.4)
    result = LoraTrainer.create(str(tiny_folder)).train(examples, tmp_path / "a", config, seed=3)
    assert len(result.validation_tasks) == 2 and result.validation_examples == 4
    assert [it for it, _ in result.validation_losses] == [0, 2, 4]
    again = LoraTrainer.create(str(tiny_folder)).train(examples, tmp_path / "b", config, seed=3)
    assert again.validation_tasks == result.validation_tasks
    assert Path(result.adapter_dir, "adapters.safetensors").is_file()
