"""Verdicts per second: forge's sandbox service vs a fresh ``python -I`` per candidate.

Both approaches run the same mixed workload on the same machine in one run: mostly quick
correct and incorrect candidates, some that raise, and a few that never finish. Both use
as many workers as the sandbox has lanes, the same wall-clock limit, and the trusted side
compares results with expected values for both. The sandbox runs the workload before
and after the subprocess run and its figures average both, so load from other work on the
machine falls on both approaches alike. A separate run of
quick candidates only measures the service's best case. Run::

    .venv/bin/python benchmarks/verify_throughput.py            # defaults: 1000 mixed, 2000 quick
    .venv/bin/python benchmarks/verify_throughput.py --n 2000 --lanes 2

The last line printed is the throughput ratio (sandbox / straightforward).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from forge.sandbox import Job, Limits, Sandbox

RUNNER = "forge.sandbox.runners:call_function"
CASES = [[1, 2], [10, -3], [0, 0], [123456789, 987654321]]
EXPECTED = [3, 7, 0, 1111111110]
SOURCES = {
    "correct": "def add(a, b):\n    return a + b\n",
    "incorrect": "def add(a, b):\n    return a - b\n",
    "raises": "def add(a, b):\n    return a / 0\n",
    "syntax": "def add(a, b)\n    return a + b\n",
    "timeout": "def add(a, b):\n    while True:\n        pass\n",
}
HARNESS = r"""
import json, sys, traceback
p = json.load(sys.stdin)
ns = {}
try:
    exec(compile(p["source"], "<candidate>", "exec"), ns)
    fn = ns[p["entry_point"]]
except BaseException as e:
    print(json.dumps({"error": f"{type(e).__name__}: {e}"})); sys.exit(0)
out = []
for args in p["args_list"]:
    try:
        out.append({"ok": True, "value": fn(*args)})
    except Exception as e:
        out.append({"ok": False, "error": f"{type(e).__name__}: {e}"})
print(json.dumps({"results": out}))
"""


def workload(n: int, timeouts: int, seed: int = 0) -> list[str]:
    """Return ``n`` candidate kinds: quick ones in a fixed mix plus ``timeouts`` slow ones."""
    rng = random.Random(seed)
    quick = rng.choices(["correct", "incorrect", "raises", "syntax"], [45, 45, 7, 3], k=n)
    for i in rng.sample(range(n), min(timeouts, n)):
        quick[i] = "timeout"
    return quick


def payload(kind: str) -> dict[str, Any]:
    """Return the runner payload for a candidate of ``kind`` (inputs only)."""
    return {"source": SOURCES[kind], "entry_point": "add", "args_list": CASES}


def verdict(results: Any) -> str:
    """Compare per-case results with EXPECTED on the trusted side: passed or failed."""
    ok = (
        isinstance(results, list)
        and len(results) == len(EXPECTED)
        and all(
            r.get("ok") is True and type(r.get("value")) is int and r["value"] == e
            for r, e in zip(results, EXPECTED, strict=True)
        )
    )
    return "passed" if ok else "failed"


def cpu_seconds() -> float:
    """Return CPU time used so far by this process and its reaped descendants."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def run_sandbox(kinds: list[str], lanes: int, limits: Limits) -> Run:
    """Verify every candidate through the sandbox service (lanes started, used, closed)."""
    cpu0 = cpu_seconds()
    with Sandbox(lanes=lanes) as sb:
        sb.run_many([Job(RUNNER, payload("correct"), limits)] * (4 * lanes))  # warm the lanes
        jobs = [Job(RUNNER, payload(k), limits) for k in kinds]
        start = time.perf_counter()
        results = sb.run_many(jobs)
        elapsed = time.perf_counter() - start
        info = (sb.lanes, sb.isolation)
    verdicts = [verdict(r.value) if r.status == "ok" else r.status for r in results]
    lat = [r.duration_s for r in results]
    return Run(elapsed, lat, verdicts, cpu_seconds() - cpu0, *info)


def verify_subprocess(kind: str, limits: Limits) -> tuple[float, str]:
    """Verify one candidate in a fresh ``python -I``; return (seconds, verdict)."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-I", "-c", HARNESS],
            capture_output=True,
            input=json.dumps(payload(kind)).encode(),
            timeout=limits.wall_s,
        )
        out = json.loads(proc.stdout or b"{}")
        result = verdict(out["results"]) if "results" in out else "error"
    except subprocess.TimeoutExpired:
        result = "timeout"
    return time.perf_counter() - t0, result


def run_subprocesses(kinds: list[str], workers: int, limits: Limits) -> Run:
    """Verify every candidate with a fresh ``python -I`` each, ``workers`` at a time."""
    cpu0, start = cpu_seconds(), time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = list(pool.map(lambda kind: verify_subprocess(kind, limits), kinds))
    elapsed = time.perf_counter() - start
    return Run(
        elapsed, [d[0] for d in done], [d[1] for d in done], cpu_seconds() - cpu0, workers, ()
    )


def compare(kinds: list[str], lanes: int, limits: Limits) -> tuple[Run, Run]:
    """Run the mixed workload through the sandbox, then subprocesses, then the sandbox again.

    The sandbox's figures average its two runs, which bracket the (much longer) subprocess
    run, so load from other work on the machine falls on both approaches alike.
    """
    before = run_sandbox(kinds, lanes, limits)
    base = run_subprocesses(kinds, lanes, limits)
    after = run_sandbox(kinds, lanes, limits)
    both = Run(
        (before.elapsed + after.elapsed) / 2,
        before.latencies + after.latencies,
        before.verdicts,
        (before.cpu + after.cpu) / 2,
        lanes,
        before.isolation,
    )
    assert before.verdicts == after.verdicts, "the sandbox gave different verdicts twice"
    return both, base


@dataclass
class Run:
    """One measured run: wall time, per-candidate latencies, verdicts, CPU seconds used."""

    elapsed: float
    latencies: list[float]
    verdicts: list[str]
    cpu: float
    lanes: int
    isolation: tuple[str, ...]

    def row(self, name: str) -> str:
        """Return the table row: verdicts/s, p50/p99 latency (ms), CPU ms per verdict."""
        n = len(self.verdicts)
        q = statistics.quantiles(self.latencies, n=100)
        return (
            f"{name:<32} {n:>5} {n / self.elapsed:>10.1f} {q[49] * 1e3:>8.2f} "
            f"{q[98] * 1e3:>8.2f} {self.cpu / n * 1e3:>9.2f}"
        )


def main() -> None:
    """Run both approaches on the same workload and print the comparison."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="candidates in the mixed workload")
    ap.add_argument("--quick-n", type=int, default=2000, help="candidates in the quick-only run")
    ap.add_argument("--timeouts", type=int, default=3, help="never-finishing candidates in the mix")
    ap.add_argument("--lanes", type=int, default=None, help="lanes/workers (default: one per core)")
    ap.add_argument("--wall", type=float, default=1.0, help="wall-clock limit per candidate, s")
    args = ap.parse_args()
    limits = Limits(wall_s=args.wall, cpu_s=args.wall)
    kinds = workload(args.n, args.timeouts)
    quick = workload(args.quick_n, 0, seed=1)

    quick_run = run_sandbox(quick, args.lanes or 0, limits)
    lanes = quick_run.lanes
    mixed, base = compare(kinds, lanes, limits)

    print(
        f"sandbox: {lanes} lanes on {os.cpu_count()} CPUs; isolation: {', '.join(mixed.isolation)}"
    )
    print(
        f"workload: {args.n} mixed candidates ({args.timeouts} never finish, wall limit "
        f"{args.wall}s; sandbox runs it before and after python -I and averages); "
        f"quick-only run: {args.quick_n} candidates"
    )
    print(
        f"{'approach':<32} {'n':>5} {'verdicts/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'cpu ms/v':>9}"
    )
    print(quick_run.row("sandbox, quick candidates only"))
    print(mixed.row("sandbox, mixed"))
    print(base.row("python -I per candidate, mixed"))
    pairs = zip(mixed.verdicts, base.verdicts, strict=True)
    agree = sum(a == b or {a, b} <= {"error", "failed"} for a, b in pairs)
    tally = {v: mixed.verdicts.count(v) for v in sorted(set(mixed.verdicts))}
    print(f"verdicts agreeing between approaches: {agree}/{len(kinds)}; sandbox tally: {tally}")
    quick_rate = len(quick) / quick_run.elapsed
    capacity = lanes / (quick_run.cpu / len(quick))
    print(
        f"quick candidates: {quick_rate:.1f} verdicts/s measured; CPU cost "
        f"{quick_run.cpu / len(quick) * 1e3:.2f} ms per verdict (supervisor + lanes + children) "
        f"= {capacity:.0f} verdicts/s if {lanes} cores were free (target >= 400 on 2 cores)"
    )
    ratio = (len(kinds) / mixed.elapsed) / (len(kinds) / base.elapsed)
    print(
        f"ratio: {ratio:.1f}x (sandbox {len(kinds) / mixed.elapsed:.1f} verdicts/s vs python -I "
        f"{len(kinds) / base.elapsed:.1f} verdicts/s on the same mixed workload)"
    )


if __name__ == "__main__":
    main()
