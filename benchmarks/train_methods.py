"""Benchmark: forge's training methods side by side on the same examples and settings.

Four trainings in one run, each on a freshly loaded copy of the model, with the same
validation split by task, LoRA settings, seed and iterations:

- ``lora``: LoRA SFT without validation (every iteration, the last weights kept: the
  straightforward approach);
- ``lora+val``: LoRA SFT with the validation split and early stopping (forge's default),
  so its extra time is the cost of validation;
- ``dpo``: DPO with the frozen-prefix speedup;
- ``dpo-full``: the same DPO through every layer at every iteration (the straightforward
  approach; ``--methods lora,lora+val,dpo`` leaves it out).

Examples come from a run's ``pairs.jsonl`` (``--pairs``), else from the five repair prompts
of the generation benchmark (chosen = the fix, rejected = the buggy attempt). Prints wall
time, validation time, peak MLX memory, iterations run and kept, losses and DPO margins,
and ``uptime`` before each training.

    .venv/bin/python benchmarks/train_methods.py [--pairs runs/X/pairs.jsonl] [--iters 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import forge.model as fm
from forge.config import TrainConfig
from forge.model.dpo import encode_pairs, sequence_logprobs, train_dpo
from forge.model.prefix import Inputs
from forge.model.train import train_lora
from forge.model.trainer import lora_settings
from forge.pairs import read_jsonl
from forge.types import TrainingExample
from forge.valsplit import split_by_task

sys.path.insert(0, str(Path(__file__).parent))
from generation import TASKS, repair_prompt  # noqa: E402
from train_speed import FIXES  # noqa: E402


def builtin_examples() -> list[TrainingExample]:
    """One repair pair per benchmark task: the buggy attempt's repair prompt -> the fix."""
    return [
        TrainingExample(
            t[0],
            tuple(repair_prompt(*t)),
            f"```python\n{FIXES[t[0]]}```",
            f"```python\n{t[2]}```",
        )
        for t in TASKS
    ]


def uptime() -> str:
    """The load averages, as ``uptime`` prints them."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def likelihood_shift(lm, model: str | None, pairs: list[dict], max_len: int) -> tuple[float, ...]:
    """Mean (trained - reference) answer log-prob of the chosen and of the rejected answers."""
    base = fm.load(model)
    data, *_ = encode_pairs(lm, pairs, max_len, keep_single=False)
    new = sequence_logprobs(lm.model, Inputs(lm.model, False), data.seqs, 4)
    old = sequence_logprobs(base.model, Inputs(base.model, False), data.seqs, 4)
    delta = [a - b for a, b in zip(new, old, strict=True)]
    chosen = [delta[c] for c, _ in data.pairs]
    rejected = [delta[r] for _, r in data.pairs if r is not None]
    return sum(chosen) / len(chosen), sum(rejected) / len(rejected)


def run(name: str, model: str | None, train, val, config: TrainConfig) -> None:
    """Train one method on a fresh model and print one line of figures."""
    lm = fm.load(model)
    settings = {**lora_settings(config), "seed": 0}
    if name == "lora":
        settings["patience"] = 0
    print(f"{name}: starting ({uptime()})", flush=True)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        if name.startswith("lora"):
            sft = [{"messages": list(e.prompt), "target": e.chosen} for e in train]
            held = [{"messages": list(e.prompt), "target": e.chosen} for e in val]
            r = train_lora(
                lm, sft, Path(out), validation=held if name != "lora" else (), **settings
            )
        else:
            pairs = [
                {"messages": list(e.prompt), "chosen": e.chosen, "rejected": e.rejected}
                for e in (*train, *val)
            ]
            r = train_dpo(
                lm,
                pairs[: len(train)],
                Path(out),
                validation=pairs[len(train) :],
                beta=config.dpo_beta,
                sft_weight=config.dpo_sft_weight,
                split_frozen=name == "dpo",
                **settings,
            )
            shift = likelihood_shift(lm, model, pairs[: len(train)], config.max_seq_len)
    wall = time.perf_counter() - start
    curve = " ".join(f"{it}:{v:.3f}" for it, v in r.validation_losses) or "-"
    margin = ""
    if r.margins:
        margin = (
            f"; margin {r.margins[0][1]:.2f} -> {r.margins[-1][1]:.2f}; log-prob vs reference: "
            f"chosen {shift[0]:+.2f}, rejected {shift[1]:+.2f}"
        )
    print(
        f"{name:9s} wall {wall:6.1f} s (validation {r.validation_seconds:5.1f} s); peak "
        f"{r.peak_memory_mb:5.0f} MB; iterations {r.iters} (kept {r.best_iter}); loss "
        f"{r.losses[0][1]:.3f} -> {r.losses[-1][1]:.3f}{margin}; validation {curve}",
        flush=True,
    )


def main() -> None:
    """Train each method on the same examples and print one line each."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None)
    ap.add_argument("--pairs", default=None, help="a run's pairs.jsonl (default: built-in)")
    ap.add_argument("--iters", type=int, default=20, help="iterations (--quick's 20)")
    ap.add_argument("--max-seq-len", type=int, default=512, help="(--quick's 512)")
    ap.add_argument("--methods", default="lora,lora+val,dpo,dpo-full")
    args = ap.parse_args()
    examples = read_jsonl(Path(args.pairs)) if args.pairs else builtin_examples()
    config = TrainConfig(iters=args.iters, max_seq_len=args.max_seq_len)
    train, val, tasks = split_by_task(examples, config.validation_fraction, 0)
    print(
        f"{len(examples)} examples from {len({e.task_id for e in examples})} tasks "
        f"({sum(e.rejected is not None for e in examples)} with a rejected answer); "
        f"validation: {len(val)} examples of tasks {', '.join(tasks)}; iters {args.iters}, "
        f"batch {config.batch_size}, max_seq_len {args.max_seq_len}, LoRA on the last "
        f"{config.num_layers} layers, eval every {config.eval_every}, patience "
        f"{config.patience}, dpo beta {config.dpo_beta}, sft weight {config.dpo_sft_weight}"
    )
    for name in args.methods.split(","):
        run(name, args.model, train, val, config)


if __name__ == "__main__":
    main()
