"""Benchmark: forge's engines (MLX, llama.cpp) vs stock mlx-lm on the search workload.

Workload: 5 code tasks x 16 samples, each prompt a ~300-token repair prompt (task, previous
attempt, failing test feedback), temperature 0.8, top-p 0.95, max 384 new tokens.

- ``forge``: forge's MLX engine, ``LanguageModel.generate`` (one batch, shared prefill, stop
  at the closing fence)
- ``llamacpp``: forge's llama.cpp engine on the model's GGUF (continuous batching, shared
  prefill, same stop rule and sampler); needs ``./scripts/setup.sh --llamacpp``
- ``stock``: ``mlx_lm.batch_generate`` (continuous batching, stops at end-of-turn only)
- ``loop``: stock per-prompt ``mlx_lm.generate``, timed on a subset and extrapolated to 80

The MLX generators share one loaded model object (same weights, device, BLAS). Prints
tokens/s and time-to-all-candidates for each, and for forge's two engines the pass rate of
their candidates (code extracted and run against the task's tests in forge's sandbox). With
both forge engines the last line is the speed-up forge-MLX time / llama.cpp time; otherwise
stock batch_generate time / forge time.

``--sampler-check`` instead times forge's MLX engine with the shared numpy sampler against
the MLX-only batch sampler it replaced (A, B, A, B in one run), on the same workload.

    .venv/bin/python benchmarks/generation.py [--model smollm2-135m] [--engines forge,llamacpp]
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ThreadPoolExecutor

import forge.model as fm

# benchmark function name -> the built-in code task whose tests check it
TESTS_FROM = {
    "fizzbuzz": "fizzbuzz",
    "count_vowels": "count_vowels",
    "is_balanced": "valid_parentheses",
    "second_largest": "second_largest",
    "run_length": "run_length_encode",
}
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


def run_llamacpp(engine, lm, prompts, n, params):
    """Time forge's llama.cpp engine; return (seconds, tokens counted like forge's, texts)."""
    start = time.perf_counter()
    outs = engine.generate(prompts, n=n, params=params, stop=fence_closed)
    secs = time.perf_counter() - start
    toks = sum(len(lm.tokenizer.encode(t, add_special_tokens=False)) for o in outs for t in o)
    return secs, toks, outs


def pass_rate(outs) -> tuple[int, int, list[int]]:
    """Verify candidates against the code tasks' tests; return (passed, total, per task)."""
    from dataclasses import replace

    from forge.plugins import get_domain
    from forge.sandbox import Sandbox
    from forge.tasks import load_tasks

    domain = get_domain("code")
    builtin = {t.id: t for t in load_tasks(domain, None)}
    items = []
    for (name, *_), texts in zip(TASKS, outs, strict=True):
        task = builtin[TESTS_FROM[name]]
        task = replace(task, data={**task.data, "entry_point": name})
        items += [(task, domain.extract(t)) for t in texts]
    with Sandbox(lanes=2) as sandbox, ThreadPoolExecutor(max_workers=4) as pool:
        verdicts = list(pool.map(lambda item: domain.verify(*item, sandbox), items))
    ok = [v.status == "passed" for v in verdicts]
    per = len(outs[0])
    return sum(ok), len(ok), [sum(ok[i : i + per]) for i in range(0, len(ok), per)]


def legacy_decode_loop(model, cache, logits, rows, params, eos_ids, stop, report, total):
    """The MLX-only batch sampler forge used before forge.sampling (one key for the batch)."""
    import mlx.core as mx

    from forge.sampling import TOP_CANDIDATES

    def sample(logits, key):
        if params.temperature <= 0:
            return mx.argmax(logits, axis=-1)
        logits = logits.astype(mx.float32) / params.temperature
        k = min(TOP_CANDIDATES, logits.shape[-1])
        idx = mx.argpartition(-logits, kth=k - 1, axis=-1)[:, :k]
        top = mx.take_along_axis(logits, idx, axis=-1)
        order = mx.argsort(-top, axis=-1)
        top, idx = mx.take_along_axis(top, order, axis=-1), mx.take_along_axis(idx, order, axis=-1)
        probs = mx.exp(top - mx.logsumexp(logits, axis=-1, keepdims=True))
        before = mx.cumsum(probs, axis=-1) - probs
        top = mx.where(before < params.top_p, top, -mx.inf)
        choice = mx.random.categorical(top, axis=-1, key=key)
        return mx.take_along_axis(idx, choice[:, None], axis=-1)[:, 0]

    cap, key = max(1, params.max_tokens), mx.random.key(params.seed)
    while True:
        key, sub = mx.random.split(key)
        y = sample(logits, sub)
        keep = rows.step(y.tolist(), eos_ids, stop, cap)
        report(total - len(keep), total)
        if not keep:
            return
        if len(keep) < y.shape[0]:
            idx = mx.array(keep)
            y = y[idx]
            for c in cache:
                c.filter(idx)
        logits = model(y[:, None], cache=cache)[:, -1, :]
        mx.async_eval(logits)


def sampler_check(lm, prompts, n, params) -> None:
    """Time forge's MLX engine with the shared sampler and with the legacy one, A B A B."""
    from forge.model import generate as gen

    shared = gen._decode_loop
    times: dict[str, list[float]] = {"shared numpy sampler": [], "legacy MLX sampler": []}
    for _ in range(2):
        for label, loop in (
            ("shared numpy sampler", shared),
            ("legacy MLX sampler", legacy_decode_loop),
        ):
            gen._decode_loop = loop
            try:
                secs, toks = run_forge(lm, prompts, n, params)
            finally:
                gen._decode_loop = shared
            times[label].append(secs)
            print(
                f"{label:24s} {secs:7.1f} s  tokens {toks:6d}  {toks / secs:6.1f} tok/s", flush=True
            )
    a, b = (sum(v) for v in times.values())
    print(f"sampler time ratio (shared / legacy, sum of two runs each): {a / b:.3f}")


def main() -> None:
    """Run the chosen generators on the same workload and print the comparison."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None)
    ap.add_argument("--samples", type=int, default=16)
    ap.add_argument("--max-tokens", type=int, default=384)
    ap.add_argument("--loop-samples", type=int, default=4, help="sequences timed for the loop")
    ap.add_argument("--engines", default="forge,llamacpp,stock,loop", help="comma-separated")
    ap.add_argument("--threads", type=int, default=None, help="llama.cpp threads (default: all)")
    ap.add_argument("--sampler-check", action="store_true", help="shared vs legacy MLX sampler")
    args = ap.parse_args()
    engines = set(args.engines.split(","))
    lm = fm.load(args.model)
    params = fm.SamplingParams(temperature=0.8, top_p=0.95, max_tokens=args.max_tokens, seed=0)
    prompts = [repair_prompt(*t) for t in TASKS]
    token_prompts = [lm.encode_chat(p) for p in prompts]
    lengths = [len(t) for t in token_prompts]
    total = len(prompts) * args.samples
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    print(
        f"model {lm.model_name} ({lm.identity['dtype']}, {lm.identity['device']}); "
        f"{len(prompts)} prompts x {args.samples} samples = {total} sequences; "
        f"prompt tokens {min(lengths)}-{max(lengths)}; max_tokens {args.max_tokens}; "
        f"load average {load[0]}",
        flush=True,
    )
    lm.generate(prompts[:1], n=2, params=fm.SamplingParams(max_tokens=8))  # warm-up
    if args.sampler_check:
        sampler_check(lm, prompts, args.samples, params)
        return
    rows, passes = [], {}
    if "forge" in engines:
        start = time.perf_counter()
        outs = lm.generate(prompts, n=args.samples, params=params, stop=fence_closed)
        secs = time.perf_counter() - start
        toks = sum(len(lm.tokenizer.encode(t, add_special_tokens=False)) for o in outs for t in o)
        rows.append(("forge MLX engine", secs, toks))
        passes["forge MLX engine"] = pass_rate(outs)
        print(f"forge MLX engine finished in {secs:.1f} s", flush=True)
    if "llamacpp" in engines:
        from forge.llamacpp import LlamaCppEngine

        engine = LlamaCppEngine.load(args.model or fm.DEFAULT_MODEL, threads=args.threads)
        engine.generate(prompts[:1], n=2, params=fm.SamplingParams(max_tokens=8))  # warm-up
        secs, toks, outs = run_llamacpp(engine, lm, prompts, args.samples, params)
        label = f"forge llama.cpp engine ({engine.threads} threads)"
        rows.append((label, secs, toks))
        passes[label] = pass_rate(outs)
        print(f"{engine.describe()}: finished in {secs:.1f} s", flush=True)
    if "stock" in engines:
        flat = [t for t in token_prompts for _ in range(args.samples)]
        secs, toks = run_stock_batch(lm, flat, params)
        rows.append(("mlx_lm.batch_generate", secs, toks))
        print(f"mlx_lm.batch_generate finished in {secs:.1f} s", flush=True)
    if "loop" in engines:
        subset = token_prompts[: max(1, args.loop_samples)]
        secs, toks = run_stock_loop(lm, subset, params)
        scale = total / len(subset)
        rows.append(
            (f"mlx_lm.generate loop (x{scale:.0f} extrapolated)", secs * scale, toks * scale)
        )
    for name, secs, toks in rows:
        print(f"{name:44s} time-to-all {secs:8.1f} s  tokens {toks:7.0f}  {toks / secs:7.1f} tok/s")
    for name, (ok, n, per) in passes.items():
        print(f"{name:44s} candidates passing all tests {ok}/{n} ({ok / n:.0%}); per task {per}")
    times = {name: secs for name, secs, _ in rows}
    llama = next((t for name, t in times.items() if name.startswith("forge llama.cpp")), None)
    if llama is not None and "forge MLX engine" in times:
        ratio = times["forge MLX engine"] / llama
        print(
            f"time-to-all-candidates speed-up, llama.cpp vs forge MLX (MLX / llama.cpp): {ratio:.2f}x"
        )
    elif "forge MLX engine" in times and "mlx_lm.batch_generate" in times:
        ratio = times["mlx_lm.batch_generate"] / times["forge MLX engine"]
        print(f"time-to-all-candidates ratio (batch_generate / forge): {ratio:.2f}x")


if __name__ == "__main__":
    main()
