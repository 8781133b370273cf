"""DPO on a tiny model: loss down, margin up, reference fixed, adapter round trip, errors."""

from __future__ import annotations

import json

import mlx.core as mx
import pytest
from mlx.utils import tree_flatten

import forge.model as fm
from forge.config import TrainConfig
from forge.errors import UsageError
from forge.model.dpo import encode_pairs, sequence_logprobs, train_dpo
from forge.model.prefix import Inputs
from forge.model.trainer import DpoTrainer
from forge.types import TrainingExample

GREEDY = fm.SamplingParams(temperature=0.0, max_tokens=8)


def _ask(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


PAIRS = [
    {"messages": _ask("def add(a, b):"), "chosen": "return a + b", "rejected": "return a - b"},
    {"messages": _ask("def sub(a, b):"), "chosen": "return a - b", "rejected": "return a + b"},
]
SINGLE = {"messages": _ask("def mul(a, b):"), "chosen": "return a * b", "rejected": None}
SETTINGS = {"learning_rate": 1e-3, "optimizer": "adam", "iters": 12, "batch_size": 2}


def _margins(lm, ref_lm) -> list[float]:
    """(policy - reference) log p(chosen) - (policy - reference) log p(rejected), per pair."""
    data, *_ = encode_pairs(lm, PAIRS, 512, keep_single=False)
    policy = sequence_logprobs(lm.model, Inputs(lm.model, False), data.seqs, 4)
    ref = sequence_logprobs(ref_lm.model, Inputs(ref_lm.model, False), data.seqs, 4)
    return [(policy[c] - ref[c]) - (policy[r] - ref[r]) for c, r in data.pairs]  # type: ignore[index]


def test_dpo_lowers_loss_raises_margin_and_keeps_the_reference(tiny_folder, tmp_path) -> None:
    lm = fm.load(str(tiny_folder))
    out = tmp_path / "dpo"
    result = train_dpo(lm, [*PAIRS, SINGLE], out, num_layers=1, **SETTINGS)
    losses = [v for _, v in result.losses]
    assert abs(losses[0] - 0.6931) < 1e-3, "step 1: policy == reference, loss is log 2"
    assert abs(result.margins[0][1]) < 1e-3 and result.margins[-1][1] > 1.0
    assert losses[-1] < 0.5 * losses[0] and result.skipped == 1
    base = fm.load(str(tiny_folder))
    assert all(m > 0 for m in _margins(lm, base))
    params = tree_flatten(lm.model.parameters())
    frozen = {k.replace(".linear.", "."): v for k, v in params if "lora_" not in k}
    for key, value in tree_flatten(base.model.parameters()):  # the reference never moved
        assert mx.array_equal(frozen[key], value), key
    meta = json.loads((out / "adapter_config.json").read_text())
    assert meta["forge"]["method"] == "dpo" and meta["forge"]["beta"] == 0.1
    reloaded = base.with_adapter(out)
    prompts = [p["messages"] for p in PAIRS]
    assert reloaded.generate(prompts, params=GREEDY) == lm.generate(prompts, params=GREEDY)
    assert _margins(reloaded, base) == pytest.approx(_margins(lm, base), rel=1e-4)


def test_frozen_prefix_dpo_matches_dpo_through_every_layer(tiny_folder, tmp_path) -> None:
    runs = {}
    for split in (True, False):
        lm = fm.load(str(tiny_folder))
        r = train_dpo(
            lm, PAIRS, tmp_path / str(split), num_layers=1, split_frozen=split, **SETTINGS
        )
        runs[split] = [v for _, v in r.losses] + [v for _, v in r.margins]
    assert runs[True] == pytest.approx(runs[False], rel=1e-3, abs=1e-4)


def test_examples_without_rejected_get_the_sft_term(tiny_folder, tmp_path) -> None:
    lm = fm.load(str(tiny_folder))
    result = train_dpo(
        lm, [*PAIRS, SINGLE], tmp_path / "a", sft_weight=0.5, num_layers=1, **SETTINGS
    )
    assert result.skipped == 0
    assert result.losses[0][1] > 0.6931 + 0.1, "the SFT term adds the chosen cross-entropy"


def test_dpo_validation_keeps_the_best_and_splits_by_task(tiny_folder, tmp_path) -> None:
    examples = [
        TrainingExample(f"t{i}", tuple(p["messages"]), p["chosen"], p["rejected"])
        for i, p in enumerate(PAIRS * 2)
    ]
    config = TrainConfig(
        method="dpo",
        iters=4,
        batch_size=1,
        eval_every=2,
        validation_fraction=0.25,
        learning_rate=1e-3,
        optimizer="adam",
        num_layers=1,
        dpo_sft_weight=0.0,
    )
    result = DpoTrainer.create(str(tiny_folder)).train(examples, tmp_path / "a", config)
    assert len(result.validation_tasks) == 1 and result.validation_examples == 1
    assert [it for it, _ in result.validation_losses] == [0, 2, 4]
    assert result.validation_losses[0][1] == pytest.approx(0.6931, abs=1e-3)


def test_no_rejected_answer_at_all_is_a_one_line_error(tiny_folder, tmp_path, capsys) -> None:
    example = TrainingExample("t", tuple(_ask("q")), "a")
    with pytest.raises(UsageError, match="none of the 2 training examples has a rejected"):
        DpoTrainer.create(str(tiny_folder)).train([example] * 2, tmp_path, TrainConfig())
    with pytest.raises(UsageError, match="train.method dpo needs chosen/rejected pairs"):
        train_dpo(fm.load(str(tiny_folder)), [SINGLE], tmp_path)

    from forge.cli.main import main
    from forge.pairs import write_jsonl

    pairs = tmp_path / "pairs.jsonl"
    write_jsonl(pairs, [example] * 2)
    args = ["train", "--pairs", str(pairs), "--model", str(tiny_folder), "--method", "dpo"]
    with pytest.raises(SystemExit) as code:
        main([*args, "--adapter-out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code.value.code == 2 and "Traceback" not in err
    assert [line for line in err.splitlines() if line.startswith("Error:")] == [
        err.strip().splitlines()[-1]
    ] and "has a rejected answer" in err


def test_forge_train_method_dpo_prints_the_margin(tiny_folder, tmp_path, capsys) -> None:
    from forge.cli.main import main
    from forge.pairs import write_jsonl

    pairs = tmp_path / "pairs.jsonl"
    examples = [TrainingExample(f"t{i}", tuple(p["messages"]), p["chosen"], p["rejected"])
                for i, p in enumerate(PAIRS)]  # fmt: skip
    write_jsonl(pairs, examples)
    out = tmp_path / "adapter"
    args = ["train", "--pairs", str(pairs), "--model", str(tiny_folder), "--method", "dpo"]
    with pytest.raises(SystemExit) as code:
        main([*args, "--adapter-out", str(out), "--iters", "2", "--batch-size", "1"])
    printed = capsys.readouterr().out
    assert code.value.code == 0 and "margin 0.00 -> " in printed
    assert "validation: 1 example from 1 held-out training task" in printed
    assert json.loads((out / "adapter_config.json").read_text())["forge"]["method"] == "dpo"
