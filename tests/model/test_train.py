"""LoRA training on a tiny model: answer-only loss, loss goes down, adapter round-trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import forge.model as fm
from forge.errors import ModelError, UsageError
from forge.model.train import encode_example, train_lora

EXAMPLE = {
    "messages": [{"role": "user", "content": "def add(a, b):"}],
    "target": "return a + b",
}
GREEDY = fm.SamplingParams(temperature=0.0, max_tokens=8)


def test_loss_covers_the_answer_only(tiny_lm) -> None:
    tokens, offset = encode_example(tiny_lm, EXAMPLE)
    assert tokens[:offset] == tiny_lm.encode_chat(EXAMPLE["messages"])
    answer = tiny_lm.tokenizer.decode(tokens[offset:])
    assert answer.startswith("return a + b") and answer.rstrip().endswith("<|im_end|>")


def test_training_lowers_loss_and_adapter_round_trips(tiny_lm, tiny_folder, tmp_path) -> None:
    seen: list[tuple[int, int, float]] = []
    out = tmp_path / "adapter"
    result = train_lora(
        tiny_lm,
        [EXAMPLE] * 4,
        out,
        rank=4,
        learning_rate=1e-2,
        iters=12,
        batch_size=2,
        optimizer="adam",
        progress=lambda i, n, loss: seen.append((i, n, loss)),
    )
    assert result.iters == 12 and len(result.losses) == 12 and seen[-1][:2] == (12, 12)
    assert result.losses[-1][1] < 0.5 * result.losses[0][1]
    assert result.tokens_per_s > 0 and result.peak_memory_mb > 0 and result.seconds > 0
    assert (out / "adapters.safetensors").is_file()
    config = json.loads((out / "adapter_config.json").read_text())
    assert config["lora_parameters"] == {"rank": 4, "scale": 20.0, "dropout": 0.0}
    assert tiny_lm.identity["adapter"] == str(out.resolve())
    trained = tiny_lm.generate([EXAMPLE["messages"]], params=GREEDY)
    reloaded = fm.load(str(tiny_folder), adapter=out)
    assert reloaded.generate([EXAMPLE["messages"]], params=GREEDY) == trained
    base = fm.load(str(tiny_folder))
    assert base.generate([EXAMPLE["messages"]], params=GREEDY) != trained


def test_adafactor_moves_zero_initialised_lora(tiny_lm, tmp_path: Path) -> None:
    result = train_lora(
        tiny_lm, [EXAMPLE] * 2, tmp_path / "a", learning_rate=1e-2, iters=6, batch_size=2
    )
    assert result.losses[-1][1] < result.losses[0][1]


def test_bad_optimizer_and_empty_examples(tiny_lm, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="Unknown optimizer 'lamb'"):
        train_lora(tiny_lm, [EXAMPLE], tmp_path, optimizer="lamb")
    with pytest.raises(UsageError, match="No training examples"):
        train_lora(tiny_lm, [], tmp_path)


def test_missing_adapter_folder(tiny_folder: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="missing adapter_config.json"):
        fm.load(str(tiny_folder), adapter=tmp_path)


def test_answer_loss_equals_mlx_lm_default_loss(tiny_lm) -> None:
    import mlx.core as mx
    from mlx_lm.tuner.trainer import default_loss

    from forge.model.train import answer_batches, answer_loss

    other = {
        "messages": [{"role": "user", "content": "a much longer question " * 3}],
        "target": "ok",
    }
    data = [encode_example(tiny_lm, ex) for ex in (EXAMPLE, other)]
    batch, lengths, positions = next(answer_batches(data, batch_size=2))
    assert positions.shape[1] % 32 == 0
    ours, n_ours = answer_loss(tiny_lm.model, batch, lengths, positions)
    ref, n_ref = default_loss(tiny_lm.model, batch, lengths)
    assert int(n_ours) == int(n_ref) > 0
    assert abs(float(ours) - float(ref)) < 1e-4 * float(ref)
    assert mx.isfinite(ours).item()


def test_frozen_prefix_training_matches_training_through_every_layer(tiny_folder, tmp_path) -> None:
    """Running the frozen lower layers once per example gives the same losses as a full pass."""
    from forge.model.train import frozen_layers

    other = {"messages": [{"role": "user", "content": "def sub(a, b):"}], "target": "return a - b"}
    losses = {}
    for split in (True, False):
        lm = fm.load(str(tiny_folder))
        result = train_lora(
            lm,
            [EXAMPLE, other] * 2,
            tmp_path / str(split),
            num_layers=1,
            learning_rate=1e-2,
            iters=6,
            batch_size=2,
            optimizer="adam",
            split_frozen=split,
        )
        if split:
            assert frozen_layers(lm.model) == 1, "the tiny model's first layer is frozen"
        losses[split] = [v for _, v in result.losses]
    assert losses[True][-1] < losses[True][0]
    for a, b in zip(losses[True], losses[False], strict=True):
        assert abs(a - b) <= 1e-3 * max(abs(b), 1e-6)


def test_every_layer_trained_means_no_frozen_prefix(tiny_lm, tmp_path) -> None:
    from forge.model.train import frozen_layers

    train_lora(tiny_lm, [EXAMPLE] * 2, tmp_path / "a", num_layers=-1, iters=1, batch_size=2)
    assert frozen_layers(tiny_lm.model) == 0


def test_forge_train_uses_forge_runs_training_settings(tiny_folder, tmp_path, capsys) -> None:
    """`forge train` reads TrainConfig like `forge run` (num_layers 16 by default, not all)."""
    from forge.cli.main import main
    from forge.pairs import write_jsonl
    from forge.types import TrainingExample

    pairs = tmp_path / "pairs.jsonl"
    write_jsonl(pairs, [TrainingExample("t", tuple(EXAMPLE["messages"]), EXAMPLE["target"])] * 2)
    (tmp_path / "one.yaml").write_text("train: {num_layers: 1, batch_size: 2}\n")
    cases = (("default", [], min(16, 2)), ("one", ["--config", str(tmp_path / "one.yaml")], 1))
    for name, extra, layers in cases:  # the tiny model has 2 layers; --config picks 1 of them
        out = tmp_path / name
        args = [
            "train",
            "--pairs",
            str(pairs),
            "--model",
            str(tiny_folder),
            "--adapter-out",
            str(out),
        ]
        with pytest.raises(SystemExit) as code:
            main([*args, "--iters", "1", "--batch-size", "2", *extra])
        assert code.value.code == 0, capsys.readouterr().err
        assert json.loads((out / "adapter_config.json").read_text())["num_layers"] == layers
