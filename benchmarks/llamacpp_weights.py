"""Benchmark: llama.cpp decode speed of one model's weights as downloaded vs requantized.

A registry model's ``llamacpp_weights`` (see :mod:`forge.model.registry`) makes the llama.cpp
engine run it requantized (e.g. Qwen2.5-Coder-0.5B's mostly-Q5_0 "Q4_K_M" file as Q8_0).
This measures the reason: the same generation job (``--samples`` samples of one prompt,
``--tokens`` tokens each, no stop rule, 2 threads, passive OpenMP waits) on the downloaded
GGUF and on each ``--types`` requantization, each in a fresh process, alternating the order
over ``--rounds`` so drift in the machine's load hits every variant alike. The last line is
the best requantized / as-downloaded tokens/s ratio (medians over the rounds).

    .venv/bin/python benchmarks/llamacpp_weights.py [--model qwen2.5-coder-0.5b] [--types Q8_0,Q4_0]

Pass@1 is not measured here (that is ``forge eval``, docs/results.md C); run it at
``nice -n 19`` on a shared machine and read the figures side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, sys, time
from forge.llamacpp import LlamaCppEngine
from forge.params import SamplingParams
gguf, samples, tokens = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
e = LlamaCppEngine.load(gguf, threads=2)
prompt = [[{"role": "user", "content": "Write a Python function that parses a CSV line."}]]
e.generate(prompt, n=2, params=SamplingParams(max_tokens=4))
params = SamplingParams(temperature=0.8, top_p=0.95, max_tokens=tokens, seed=1)
start = time.perf_counter()
outs = e.generate(prompt, n=samples, params=params)
secs = time.perf_counter() - start
n = sum(len(e._shared.tokenizer.encode(t, add_special_tokens=False)) for t in outs[0])
print(json.dumps({"secs": secs, "tokens": n, "weights": e._shared.dtype}))
"""


def time_one(gguf: Path, samples: int, tokens: int) -> dict:
    """Run the job on ``gguf`` in a fresh process and return its tokens, seconds and type."""
    env = {**os.environ, "OMP_WAIT_POLICY": "passive"}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(gguf), str(samples), str(tokens)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Requantize, then time every variant round by round and print the ratio."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="qwen2.5-coder-0.5b", help="registry name or .gguf")
    ap.add_argument("--types", default="Q8_0,Q4_0", help="llama.cpp weight types to compare")
    ap.add_argument("--samples", type=int, default=32)
    ap.add_argument("--tokens", type=int, default=96)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()

    from forge.llamacpp import native
    from forge.model.fetch import fetch_gguf
    from forge.model.registry import REGISTRY

    source = fetch_gguf(REGISTRY[args.model]) if args.model in REGISTRY else Path(args.model)
    tmp = Path(tempfile.mkdtemp(prefix="forge-bench-weights-"))
    variants = {"as downloaded": source}
    for kind in args.types.split(","):
        variants[kind] = tmp / f"{kind}.gguf"
        native.requantize(source, variants[kind], kind)
    print(
        f"model {args.model}; {args.samples} samples x {args.tokens} tokens; 2 threads; "
        f"cores {os.cpu_count()}"
    )
    rates: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for r in range(args.rounds):
        order = names if r % 2 == 0 else names[::-1]
        for name in order:
            load = os.getloadavg()[0]
            res = time_one(variants[name], args.samples, args.tokens)
            rate = res["tokens"] / res["secs"]
            rates[name].append(rate)
            size = variants[name].stat().st_size / 1e6
            print(
                f"round {r + 1}  {name:14s} ({res['weights']:7s} {size:5.0f} MB): "
                f"{rate:6.1f} tok/s ({res['tokens']} tokens, {res['secs']:.1f} s; "
                f"load before {load:.2f})",
                flush=True,
            )
    for p in tmp.iterdir():
        p.unlink()
    tmp.rmdir()
    base = statistics.median(rates["as downloaded"])
    best = max((n for n in names[1:]), key=lambda n: statistics.median(rates[n]))
    print(
        f"requantized/as-downloaded tokens/s: {best} {statistics.median(rates[best]) / base:.2f}x "
        + " ".join(f"({n} {statistics.median(rates[n]) / base:.2f}x)" for n in names[1:])
    )


if __name__ == "__main__":
    main()
