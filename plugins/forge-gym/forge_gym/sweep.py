"""``forge gym sweep``: a model's greedy pass rate per family and difficulty level, via forge eval.

All (family, level) cells go into one YAML mixture, measured by one ``forge eval`` run (one
model load); the plugin's ``candidate_verified`` hook logs each verdict to the file named by
``FORGE_GYM_SWEEP_LOG``, from which the table is counted.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from forge.errors import UsageError

LOG_ENV = "FORGE_GYM_SWEEP_LOG"


def log_verdict(run: Any, candidate: Any, verdict: Any) -> None:
    """Append ``{task, phase, status}`` to ``$FORGE_GYM_SWEEP_LOG`` for gym runs (else nothing)."""
    path = os.environ.get(LOG_ENV)
    if not path or getattr(run, "domain", "") != "gym":
        return
    row = {"task": candidate.task_id, "phase": candidate.phase, "status": verdict.status}
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")


def write_mixture(path: Path, families: list[str], levels: list[int], size: int, seed: int) -> None:
    """Write the sweep's mixture: ``size`` tasks per (family, level), keys from ``seed``."""
    entries = [{"name": f, "difficulty": lv, "size": size} for f in families for lv in levels]
    path.write_text(yaml.safe_dump({"seed": seed, "generators": entries}, sort_keys=False))


def run_eval(mixture: Path, log: Path, model: str | None, out: str) -> str:
    """Run ``forge eval`` on ``mixture`` in a child process, logging verdicts; return the run folder."""
    argv = [sys.executable, "-c", "from forge.cli.main import main; main()"]
    argv += ["eval", "--domain", "gym", "--tasks", str(mixture), "--out", out]
    argv += ["--model", model] if model else []
    env = {**os.environ, LOG_ENV: str(log)}
    proc = subprocess.run(argv, capture_output=True, text=True, env=env)
    found = re.search(r"^Run folder:\s*(.+)$", proc.stdout, re.MULTILINE)
    if proc.returncode != 0 or not found:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise UsageError(f"forge eval failed: {tail[0]}")
    return found.group(1).strip()


def tally(log: Path, cell_of: dict[str, tuple[str, int]]) -> dict[tuple[str, int], tuple[int, int]]:
    """Return (passed, total) per (family, level) from the greedy ``before`` verdicts in ``log``."""
    passed, total = Counter(), Counter()
    for line in log.read_text("utf-8").splitlines():
        row = json.loads(line)
        cell = cell_of.get(row["task"])
        if row["phase"] == "before" and cell is not None:
            total[cell] += 1
            passed[cell] += row["status"] == "passed"
    return {cell: (passed[cell], total[cell]) for cell in sorted(set(cell_of.values()))}
