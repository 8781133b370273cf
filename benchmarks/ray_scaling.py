"""Benchmark: the Ray executor against the local executor, side by side in one run.

Verification: the 20 built-in code tasks, each with its reference solution and a wrong one,
repeated to ``--items`` (real sandbox jobs through the code domain). Generation: the default
model (or ``--model``) answering ``--prompts`` code prompts ``--samples`` times each at
temperature 0.8 (seed 0), ``--max-tokens`` new tokens at most.

* one box: the local executor (one lane per core, the model in this process) vs a Ray
  instance started here (one node: one sandbox actor with as many lanes, one model replica
  using as many threads); each local run goes before and after Ray and its figures average
  both, so drifting load falls on both alike. Also measured: the round trip of one empty call to the sandbox actor
  (the per-call overhead that batching spreads over many jobs).
* ``--two-nodes``: a head and a second node started with ``ray start`` on this machine (one
  CPU each, as in tests/ray) against the local executor with two lanes.

Both executors must give the same verdicts, and the engines the same texts (checked).
Run at low priority on a shared machine and note the load::

    nice -n 19 .venv/bin/python benchmarks/ray_scaling.py --two-nodes; uptime
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forge.config import build_config  # noqa: E402
from forge.params import SamplingParams  # noqa: E402
from forge.plugins import get_domain  # noqa: E402


def items(n: int) -> list[tuple[Any, str]]:
    """``n`` (task, artifact) pairs: reference solutions and wrong ones, alternating."""
    from tests.code.reference_solutions import REFERENCE

    code = get_domain("code")
    tasks = [t for t in code.load_tasks(None) if t.id in REFERENCE]
    pool = []
    for task in tasks:
        name = task.data.get("entry_point", task.id)
        pool.append((task, REFERENCE[task.id]))
        pool.append((task, f"def {name}(*args):\n    return None\n"))
    return [pool[i % len(pool)] for i in range(n)]


def time_verify(executor: Any, work: list[tuple[Any, str]]) -> tuple[float, list[str]]:
    """Seconds to verify ``work`` through ``executor``, and the verdict statuses."""
    code = get_domain("code")
    executor.submit(code, work[:4]).result()  # warm the lanes and the domain's import
    t0 = time.perf_counter()
    verdicts = executor.submit(code, work).result()
    return time.perf_counter() - t0, [v.status for v in verdicts]


def empty_call_ms(executor: Any, calls: int = 200) -> float:
    """Median round trip of one empty call to the first sandbox actor, in milliseconds."""
    import ray

    handle = executor.workers[0].handle
    ray.get(handle.info.remote(), timeout=60)
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        ray.get(handle.info.remote(), timeout=60)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def prompts(n: int) -> list[list[dict[str, str]]]:
    code = get_domain("code")
    tasks = code.load_tasks(None)
    return [code.build_prompt(tasks[i % len(tasks)]) for i in range(n)]


def time_generate(engine: Any, args: argparse.Namespace) -> tuple[float, list[list[str]]]:
    """Seconds for the generation workload on ``engine``, and its texts."""
    params = SamplingParams(temperature=0.8, top_p=0.95, max_tokens=args.max_tokens, seed=0)
    work = prompts(args.prompts)
    engine.generate(work[:1], n=1, params=SamplingParams(max_tokens=4))  # warm up
    t0 = time.perf_counter()
    texts = engine.generate(work, n=args.samples, params=params)
    return time.perf_counter() - t0, texts


def tokens(lm: Any, texts: list[list[str]]) -> int:
    return sum(len(lm.tokenizer.encode(t)) for group in texts for t in group)


def ray_config(address: str | None) -> Any:
    return build_config({"executor": {"name": "ray", "address": address}})


def compare(label: str, local_s: float, ray_s: float, n: int, unit: str) -> None:
    print(
        f"{label}: local {n / local_s:8.1f} {unit}/s ({local_s:.2f} s) | ray {n / ray_s:8.1f} "
        f"{unit}/s ({ray_s:.2f} s) | ray/local throughput {local_s / ray_s:.2f}x"
    )


def verification(args: argparse.Namespace, address: str | None, lanes: int) -> None:
    from forge.executor import LocalExecutor
    from forge.ray.executor import RayExecutor
    from forge.sandbox import Sandbox

    work = items(args.items)
    with_local = LocalExecutor(Sandbox(lanes=lanes))
    try:
        first, want = time_verify(with_local, work)
        ray_ex = RayExecutor.create(ray_config(address))
        try:
            ray_s, got = time_verify(ray_ex, work)
            call_ms = empty_call_ms(ray_ex)
            print(f"  ray executor: {ray_ex.describe()}")
        finally:
            ray_ex.close()
        second, again = time_verify(with_local, work)
    finally:
        with_local.close()
    assert got == want == again, "the executors gave different verdicts"
    local_s = (first + second) / 2
    compare(f"verify {len(work)} jobs, {lanes} lanes", local_s, ray_s, len(work), "verdicts")
    print(
        f"  per job: local {local_s / len(work) * 1000:.2f} ms, ray {ray_s / len(work) * 1000:.2f}"
        f" ms (+{(ray_s - local_s) / len(work) * 1000:.2f} ms); one empty call to a sandbox "
        f"actor: {call_ms:.2f} ms; passed {want.count('passed')}/{len(want)}"
    )


def generation(args: argparse.Namespace, address: str | None) -> None:
    import forge.model as fm
    from forge.ray.executor import RayExecutor

    lm = fm.load(args.model)
    first, want = time_generate(lm, args)
    ray_ex = RayExecutor.create(ray_config(address))
    try:
        engine = ray_ex.load_engine(type(lm), args.model)
        ray_s, got = time_generate(engine, args)
        print(f"  ray engine: {engine.describe()}")
    finally:
        ray_ex.close()
    second, again = time_generate(lm, args)
    assert again == want, "the local engine is not deterministic"
    local_s = (first + second) / 2
    same = sum(
        a == b for ga, gb in zip(got, want, strict=True) for a, b in zip(ga, gb, strict=True)
    )
    total = args.prompts * args.samples
    n = tokens(lm, want)
    compare(f"generate {total} sequences ({n} tokens)", local_s, ray_s, n, "tok")
    print(f"  texts identical to the local engine's: {same}/{total}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=400)
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--prompts", type=int, default=8)
    ap.add_argument("--samples", type=int, default=4)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--two-nodes", action="store_true", help="also on a 2-node local cluster")
    ap.add_argument("--skip-generation", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    from forge.sandbox.supervisor import default_lanes

    lanes = default_lanes()
    print(f"one box: local executor vs Ray started here ({lanes} cores)")
    verification(args, None, lanes)
    if not args.skip_generation:
        generation(args, None)
    if args.two_nodes:
        two_nodes(args)


def two_nodes(args: argparse.Namespace) -> None:
    from tests.ray.cluster import Cluster, auth_env, cluster_env, driver_auth, write_dist_info

    root = Path(tempfile.mkdtemp(prefix="rb", dir=tempfile.gettempdir()))
    auth = auth_env()
    cluster = Cluster(root, cluster_env(write_dist_info(root / "dist"), auth))
    try:
        t0 = time.perf_counter()
        cluster.start()
        print(f"\ntwo local nodes (1 CPU each; started in {time.perf_counter() - t0:.1f} s)")
        with driver_auth(auth):
            verification(args, cluster.address, 2)
            if not args.skip_generation:
                generation(args, cluster.address)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
