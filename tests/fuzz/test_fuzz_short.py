"""A short run of the verifier fuzz (benchmarks/fuzz_verifiers.py) ends clean.

The long run (10,000 candidates and 10,000 task lines per domain) is run by hand and its
figures are in docs/sandboxing.md; this one checks the same properties on a few hundred.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_short_fuzz_has_no_crash_hang_traceback_or_leak() -> None:
    cmd = [
        sys.executable,
        str(ROOT / "benchmarks" / "fuzz_verifiers.py"),
        "--candidates", "80", "--task-lines", "200", "--seed", "12", "--lanes", "2",
    ]  # fmt: skip
    out = subprocess.run(
        cmd, capture_output=True, text=True, timeout=600, env=os.environ.copy(), cwd=ROOT
    )
    lines = out.stdout.strip().splitlines()
    assert lines[-1] == "TOTAL: 0 crashes, 0 hangs, 0 tracebacks, 0 leaks", out.stdout[-3000:]
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-3000:]
    for name in ("code", "sql", "math"):
        assert any(line.startswith(f"{name}: 80 candidates, 200 task lines") for line in lines)
