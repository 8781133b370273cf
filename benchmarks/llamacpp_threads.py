"""Benchmark: llama.cpp engine decode speed by thread count, OpenMP wait policy and neighbour.

forge verifies candidates in sandbox processes while (or between) generating, so the engine
often shares the CPU with busy processes. This times one fixed generation job (16 samples of
one prompt, 96 tokens each, no stop rule) in a fresh process per setting:

- threads 1 or 2 (or ``--threads``),
- ``OMP_WAIT_POLICY`` passive (forge's default: idle OpenMP threads sleep) or active (spin),
  either with a bounded spin before sleeping (``NAME+spin=N`` also sets ``GOMP_SPINCOUNT``),
- alone, or beside ``--busy`` busy-loop processes at the same priority (a stand-in for
  sandbox lanes running candidates).

Prints generated tokens/s per setting and the load average before each; run it at
``nice -n 19`` on a shared machine and read the figures side by side.

    .venv/bin/python benchmarks/llamacpp_threads.py [--model smollm2-135m] [--busy 1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

CHILD = r"""
import json, sys, time
from forge.llamacpp import LlamaCppEngine
from forge.params import SamplingParams
model, threads, samples, tokens = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
e = LlamaCppEngine.load(model, threads=threads)
prompt = [[{"role": "user", "content": "Write a long story about a robot who learns to paint."}]]
e.generate(prompt, n=2, params=SamplingParams(max_tokens=4))
params = SamplingParams(temperature=0.8, top_p=0.95, max_tokens=tokens, seed=1)
start = time.perf_counter()
outs = e.generate(prompt, n=samples, params=params)
secs = time.perf_counter() - start
n = sum(len(e._shared.tokenizer.encode(t, add_special_tokens=False)) for t in outs[0])
print(json.dumps({"secs": secs, "tokens": n}))
"""


def run(model: str, threads: int, policy: str, busy: int, samples: int, tokens: int) -> dict:
    """Time the job in a fresh process with ``busy`` busy-loop neighbours; return the result."""
    name, _, spin = policy.partition("+spin=")
    env = {**os.environ, "OMP_WAIT_POLICY": name}
    env.pop("GOMP_SPINCOUNT", None)
    if spin:
        env["GOMP_SPINCOUNT"] = spin
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(busy)]
    try:
        time.sleep(0.5 if busy else 0)
        load = os.getloadavg()[0]
        out = subprocess.run(
            [sys.executable, "-c", CHILD, model, str(threads), str(samples), str(tokens)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        for h in hogs:
            h.kill()
            h.wait()
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return {**result, "load": load}


def main() -> None:
    """Run every setting and print tokens/s side by side."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--busy", type=int, default=1, help="busy-loop neighbours in the busy runs")
    ap.add_argument("--samples", type=int, default=16)
    ap.add_argument("--tokens", type=int, default=96)
    ap.add_argument(
        "--policies",
        default="passive,active",
        help="OMP_WAIT_POLICY values; NAME+spin=N also sets GOMP_SPINCOUNT=N",
    )
    args = ap.parse_args()
    print(
        f"model {args.model}; {args.samples} samples x {args.tokens} tokens; cores {os.cpu_count()}"
    )
    for busy in (0, args.busy):
        for policy in args.policies.split(","):
            for threads in (int(t) for t in args.threads.split(",")):
                r = run(args.model, threads, policy, busy, args.samples, args.tokens)
                rate = r["tokens"] / r["secs"]
                print(
                    f"neighbours {busy}  OMP_WAIT_POLICY={policy:18s}  threads {threads}: "
                    f"{rate:6.1f} tok/s ({r['tokens']} tokens, {r['secs']:.1f} s; "
                    f"load before {r['load']:.2f})",
                    flush=True,
                )


if __name__ == "__main__":
    main()
