"""The throughput benchmark runs end to end and ends with the ratio line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_runs_and_prints_the_ratio_last() -> None:
    cmd = [
        sys.executable,
        str(ROOT / "benchmarks" / "verify_throughput.py"),
        "--n",
        "12",
        "--quick-n",
        "40",
        "--timeouts",
        "1",
        "--wall",
        "0.5",
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout
    lines = out.strip().splitlines()
    assert lines[-1].startswith("ratio: ") and "x (sandbox " in lines[-1]
    assert "verdicts agreeing between approaches: 12/12" in out
