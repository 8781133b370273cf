"""Benchmark: LoRA training speed on the default model with repair-pair-sized examples.

Trains ``--iters`` iterations at ``--batch-size`` on chat examples built from the generation
benchmark's repair prompts (~300 prompt tokens, ~60 answer tokens, loss on the answer only)
and prints training tokens/s, peak memory and wall time; then trains the same examples with
stock mlx-lm (its default loss and batches, every layer run every iteration) on a fresh copy
of the model and prints the ratio last. The target on a 2-core Linux box: 40 iterations at
batch 4 in under 5 minutes.

    .venv/bin/python benchmarks/train_speed.py [--iters 40] [--batch-size 4] [--num-layers 16]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import forge.model as fm
from forge.model.train import train_lora

sys.path.insert(0, str(Path(__file__).parent))
from generation import TASKS, repair_prompt  # noqa: E402

FIXES = {
    "fizzbuzz": "def fizzbuzz(n):\n    if n % 15 == 0:\n        return 'FizzBuzz'\n    if n % 3 == 0:"
    "\n        return 'Fizz'\n    if n % 5 == 0:\n        return 'Buzz'\n    return str(n)\n",
    "count_vowels": "def count_vowels(s):\n    return sum(1 for ch in s.lower() if ch in 'aeiou')\n",
    "is_balanced": "def is_balanced(s):\n    pairs = {')': '(', ']': '[', '}': '{'}\n    stack = []\n"
    "    for ch in s:\n        if ch in '([{':\n            stack.append(ch)\n        elif ch in pairs:"
    "\n            if not stack or stack.pop() != pairs[ch]:\n                return False\n"
    "    return not stack\n",
    "second_largest": "def second_largest(xs):\n    values = sorted(set(xs))\n"
    "    return values[-2] if len(values) > 1 else None\n",
    "run_length": "def run_length(s):\n    out, i = '', 0\n    while i < len(s):\n        j = i\n"
    "        while j < len(s) and s[j] == s[i]:\n            j += 1\n"
    "        out += s[i] + str(j - i)\n        i = j\n    return out\n",
}


def stock_train(model_name: str | None, examples: list[dict], args: argparse.Namespace) -> float:
    """Train with stock mlx-lm (its default loss over every position, all layers run each
    iteration) on the same encoded examples and LoRA layers; return the training seconds."""
    import mlx.optimizers as optim
    from mlx_lm.tuner import trainer as tuner
    from mlx_lm.tuner.utils import linear_to_lora_layers

    from forge.model.train import _quiet_trainer, encode_example, fit_length

    lm = fm.load(model_name)
    data, _, _ = fit_length([encode_example(lm, ex) for ex in examples], 1024)
    data = data * max(1, args.batch_size // len(data) + 1)
    lm.model.freeze()
    n = len(lm.model.layers) if args.num_layers < 0 else args.num_layers
    linear_to_lora_layers(lm.model, n, {"rank": 4, "scale": 20.0, "dropout": 0.0})
    lm.model.train()
    with tempfile.TemporaryDirectory() as out:
        targs = tuner.TrainingArgs(
            batch_size=args.batch_size,
            iters=args.iters,
            steps_per_report=args.iters + 1,
            steps_per_eval=args.iters + 1,
            steps_per_save=args.iters + 1,
            max_seq_length=1024,
            adapter_file=str(Path(out) / "adapters.safetensors"),
        )
        start = time.perf_counter()
        with _quiet_trainer():
            tuner.train(lm.model, optim.Adafactor(learning_rate=1e-4), data, args=targs)
        return time.perf_counter() - start


def main() -> None:
    """Train on repair examples with forge and with stock mlx-lm; print both and the ratio."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None)
    ap.add_argument("--iters", type=int, default=40)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--num-layers", type=int, default=16, help="LoRA layers (forge's default)")
    ap.add_argument("--skip-stock", action="store_true", help="time forge's trainer only")
    args = ap.parse_args()
    lm = fm.load(args.model)
    examples = [
        {"messages": repair_prompt(*t), "target": f"```python\n{FIXES[t[0]]}```"} for t in TASKS
    ]
    lengths = [len(lm.encode_chat(e["messages"])) for e in examples]
    print(
        f"model {lm.model_name} ({lm.identity['dtype']}, {lm.identity['device']}); "
        f"{len(examples)} examples, prompt tokens {min(lengths)}-{max(lengths)}; "
        f"iters {args.iters}, batch {args.batch_size}, LoRA layers {args.num_layers}, Adafactor"
    )
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        r = train_lora(
            lm,
            examples,
            Path(out),
            iters=args.iters,
            batch_size=args.batch_size,
            num_layers=args.num_layers,
            learning_rate=1e-4,
            progress=lambda i, n, loss: print(f"  iter {i}/{n} loss {loss:.3f}", file=sys.stderr),
        )
    wall = time.perf_counter() - start
    print(
        f"forge: loss {r.losses[0][1]:.3f} -> {r.losses[-1][1]:.3f}; answer tokens/s "
        f"{r.tokens_per_s:.1f}; peak memory {r.peak_memory_mb:.0f} MB; train {r.seconds:.1f} s; "
        f"wall {wall:.1f} s; {r.seconds / r.iters:.2f} s/iter (target: 40 iters < 300 s)"
    )
    if args.skip_stock:
        return
    stock = stock_train(args.model, examples, args)
    print(f"stock mlx-lm LoRA (default loss, every layer every iteration): train {stock:.1f} s")
    print(f"ratio: {stock / r.seconds:.2f}x (stock {stock:.1f} s / forge {r.seconds:.1f} s)")


if __name__ == "__main__":
    main()
