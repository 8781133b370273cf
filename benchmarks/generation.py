"""Benchmark: forge's population generator vs stock mlx-lm on the search workload.

Workload: 5 code tasks x 16 samples, each prompt a ~300-token repair prompt (task, previous
attempt, failing test feedback), temperature 0.8, top-p 0.95, max 384 new tokens. All three
generators use the same loaded model object (same weights, same device, same BLAS):

- forge: ``LanguageModel.generate`` (one batch, shared prefill, stop at the closing fence)
- stock ``mlx_lm.batch_generate`` (continuous batching, stops at end-of-turn only)
- stock per-prompt ``mlx_lm.generate`` loop, timed on a subset and extrapolated to 80

Prints aggregate tokens/s and time-to-all-candidates for each; the last line is the ratio
stock batch_generate time / forge time.

    .venv/bin/python benchmarks/generation.py [--model smollm2-135m] [--loop-samples 4]
"""

from __future__ import annotations

import argparse
import time

import forge.model as fm

TASKS = [
    (
        "fizzbuzz",
        "Return 'Fizz' for multiples of 3, 'Buzz' for multiples of 5, 'FizzBuzz' for "
        "multiples of both, else the number as a string.",
        "def fizzbuzz(n):\n    if n % 3 == 0:\n        return 'Fizz'\n    if n % 5 == 0:\n"
        "        return 'Buzz'\n    if n % 15 == 0:\n        return 'FizzBuzz'\n    return n\n",
        "fizzbuzz(15): expected 'FizzBuzz', got 'Fizz'\nfizzbuzz(7): expected '7', got 7",
    ),
    (
        "count_vowels",
        "Count the vowels (a, e, i, o, u, upper or lower case) in a string.",
        "def count_vowels(s):\n    count = 0\n    for ch in s:\n        if ch in 'aeiou':\n"
        "            count += 1\n    return count\n",
        "count_vowels('HELLO'): expected 2, got 0\ncount_vowels('Apple'): expected 2, got 1",
    ),
    (
        "is_balanced",
        "Return True if every bracket in the string ()[]{} is closed in the right "
        "order, else False. Other characters are ignored.",
        "def is_balanced(s):\n    return s.count('(') == s.count(')') and s.count('[') == "
        "s.count(']')\n",
        "is_balanced('([)]'): expected False, got True\nis_balanced('{'): expected False, got True",
    ),
    (
        "second_largest",
        "Return the second largest distinct value in a list of integers, or None if there is none.",
        "def second_largest(xs):\n    xs = sorted(xs)\n    return xs[-2]\n",
        "second_largest([3, 3, 1]): expected 1, got 3\nsecond_largest([5]): IndexError: list index "
        "out of range",
    ),
    (
        "run_length",
        "Run-length encode a string: 'aaabcc' becomes 'a3b1c2'.",
        "def run_length(s):\n    out = ''\n    for i, ch in enumerate(s):\n        out += ch + "
        "str(s.count(ch))\n    return out\n",
        "run_length('aaabcc'): expected 'a3b1c2', got 'a3a3a3b1c2c2'\nrun_length(''): expected '', "
        "got ''",
    ),
]
CONTEXT = (
    "You are fixing a Python function so that it passes its tests. Keep the same function name "
    "and signature. Do not print anything and do not read input. Use only the standard library. "
    "Think about edge cases: empty inputs, repeated values, upper and lower case, and types of the "
    "returned values. The tests compare return values exactly, so return the exact type the task "
    "asks for."
)


def repair_prompt(name: str, spec: str, code: str, feedback: str) -> list[dict]:
    """Build a ~300-token repair prompt like the code domain's mutation operator."""
    user = (
        f"{CONTEXT}\n\nTask: write `{name}`. {spec}\n\nYour previous attempt:\n```python\n{code}```"
        f"\n\nIt failed these tests:\n{feedback}\n\nWrite the corrected function in one ```python "
        "code block, followed by nothing else. Explain nothing; the tests decide."
    )
    return [{"role": "user", "content": user}]


def fence_closed(text: str) -> bool:
    """Stop rule of the code domain: the first fenced code block is closed."""
    start = text.find("```")
    return start >= 0 and text.find("```", start + 3) >= 0


def run_forge(lm, prompts, n, params):
    """Time forge's generator; return (seconds, generated tokens)."""
    start = time.perf_counter()
    outs = lm.generate(prompts, n=n, params=params, stop=fence_closed)
    secs = time.perf_counter() - start
    return secs, sum(len(lm.tokenizer.encode(t, add_special_tokens=False)) for o in outs for t in o)


def run_stock_batch(lm, token_prompts, params):
    """Time mlx_lm.batch_generate on every (prompt, sample) pair; return (seconds, tokens)."""
    from mlx_lm import batch_generate
    from mlx_lm.sample_utils import make_sampler

    sampler = make_sampler(temp=params.temperature, top_p=params.top_p)
    start = time.perf_counter()
    resp = batch_generate(
        lm.model,
        lm.tokenizer,
        token_prompts,
        max_tokens=params.max_tokens,
        sampler=sampler,
        return_token_ids=True,
    )
    return time.perf_counter() - start, sum(len(t) for t in resp.token_ids)


def run_stock_loop(lm, token_prompts, params):
    """Time a per-prompt mlx_lm.generate loop on ``token_prompts``; return (seconds, tokens)."""
    from mlx_lm import stream_generate
    from mlx_lm.sample_utils import make_sampler

    sampler = make_sampler(temp=params.temperature, top_p=params.top_p)
    start, tokens = time.perf_counter(), 0
    for p in token_prompts:
        for _ in stream_generate(
            lm.model, lm.tokenizer, p, max_tokens=params.max_tokens, sampler=sampler
        ):
            tokens += 1
    return time.perf_counter() - start, tokens


def main() -> None:
    """Run the three generators on the same workload and print the comparison."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None)
    ap.add_argument("--samples", type=int, default=16)
    ap.add_argument("--max-tokens", type=int, default=384)
    ap.add_argument("--loop-samples", type=int, default=4, help="sequences timed for the loop")
    args = ap.parse_args()
    lm = fm.load(args.model)
    params = fm.SamplingParams(temperature=0.8, top_p=0.95, max_tokens=args.max_tokens, seed=0)
    prompts = [repair_prompt(*t) for t in TASKS]
    token_prompts = [lm.encode_chat(p) for p in prompts]
    lengths = [len(t) for t in token_prompts]
    total = len(prompts) * args.samples
    print(
        f"model {lm.model_name} ({lm.identity['dtype']}, {lm.identity['device']}); "
        f"{len(prompts)} prompts x {args.samples} samples = {total} sequences; "
        f"prompt tokens {min(lengths)}-{max(lengths)}; max_tokens {args.max_tokens}",
        flush=True,
    )
    lm.generate(prompts[:1], n=2, params=fm.SamplingParams(max_tokens=8))  # warm-up
    rows = []
    secs, toks = run_forge(lm, prompts, args.samples, params)
    rows.append(("forge generate", secs, toks))
    print(f"forge generate finished in {secs:.1f} s", flush=True)
    secs, toks = run_stock_batch(
        lm, [t for t in token_prompts for _ in range(args.samples)], params
    )
    rows.append(("mlx_lm.batch_generate", secs, toks))
    print(f"mlx_lm.batch_generate finished in {secs:.1f} s", flush=True)
    subset = token_prompts[: max(1, args.loop_samples)]
    secs, toks = run_stock_loop(lm, subset, params)
    scale = total / len(subset)
    rows.append((f"mlx_lm.generate loop (x{scale:.0f} extrapolated)", secs * scale, toks * scale))
    for name, secs, toks in rows:
        print(f"{name:44s} time-to-all {secs:8.1f} s  tokens {toks:7.0f}  {toks / secs:7.1f} tok/s")
    print(f"time-to-all-candidates ratio (batch_generate / forge): {rows[1][1] / rows[0][1]:.2f}x")


if __name__ == "__main__":
    main()
