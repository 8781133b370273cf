"""End to end on the real default model: `forge run`, killed with SIGKILL mid-search, resumed.

This is the user's path: the CLI in a subprocess, the embedded SmolLM2 model, the real
sandbox and code domain. The config is shrunk (2+1 tasks, one repair generation, 3
training steps) so it fits in CI; `forge run --quick` is the same code with bigger numbers.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

TASKS = [
    {
        "id": "add",
        "prompt": "Write a Python function `add(a, b)` that returns a + b.",
        "entry_point": "add",
        "tests": [{"input": [1, 2], "expected": 3}, {"input": [-1, 1], "expected": 0}],
        "hidden_tests": [{"input": [10, 5], "expected": 15}],
    },
    {
        "id": "double",
        "prompt": "Write a Python function `double(x)` that returns x times 2.",
        "entry_point": "double",
        "tests": [{"input": [2], "expected": 4}, {"input": [0], "expected": 0}],
    },
    {
        "id": "negate",
        "prompt": "Write a Python function `negate(x)` that returns -x.",
        "entry_point": "negate",
        "tests": [{"input": [3], "expected": -3}, {"input": [-2], "expected": 2}],
    },
]

CONFIG = """
tasks: {heldout: 0.3}
search: {population_size: 3, generations: 1, elites: 1, repairs_per_elite: 2, max_tokens: 96}
train: {iters: 3, batch_size: 2, max_seq_len: 256, min_pairs: 1}
"""


def _forge(*args: str, **kw) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("forge")
    return subprocess.Popen(
        [str(exe), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        **kw,
    )


def _committed_units(db: Path) -> list[tuple[str, str]]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute("SELECT phase, unit FROM units").fetchall()
    except sqlite3.Error:
        return []


@pytest.mark.slow
def test_run_killed_mid_search_resumes_to_a_full_report(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("".join(json.dumps(t) + "\n" for t in TASKS))
    (tmp_path / "c.yaml").write_text(CONFIG)
    out = tmp_path / "runs"
    proc = _forge(
        "run",
        "--domain",
        "code",
        "--tasks",
        str(tasks),
        "--config",
        str(tmp_path / "c.yaml"),
        "--out",
        str(out),
        cwd=tmp_path,
    )
    deadline = time.time() + 600
    run_dir = None
    while time.time() < deadline and proc.poll() is None:
        dirs = list(out.glob("*-code-*"))
        run_dir = dirs[0] if dirs else None
        if run_dir and ("search", "gen-0") in _committed_units(run_dir / "forge.db"):
            break
        time.sleep(0.2)
    assert proc.poll() is None, proc.stdout.read()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before_kill = (
        sqlite3.connect(run_dir / "forge.db")
        .execute("SELECT id, text FROM candidates ORDER BY id")
        .fetchall()
    )
    assert before_kill, "the first session stored verified candidates"

    resumed = _forge("run", "--resume", str(run_dir), cwd=tmp_path)
    output, _ = resumed.communicate(timeout=900)
    assert resumed.returncode == 0, output
    assert "(resumed)" in output and "already done, skipped on resume" in output
    conn = sqlite3.connect(run_dir / "forge.db")
    rows = dict(conn.execute("SELECT id, text FROM candidates").fetchall())
    assert all(rows[i] == t for i, t in before_kill), "no verified result was lost or rewritten"
    assert (
        conn.execute("SELECT COUNT(*) FROM units WHERE phase='search' AND unit='gen-0'").fetchone()[
            0
        ]
        == 1
    )
    summary = json.loads((run_dir / "summary.json").read_text())
    assert set(summary["phases"]) == {"before", "search", "after", "after_search"}
    assert summary["phases"]["before"]["total"] == 2 and summary["heldout"]["before"]["total"] == 1
    assert summary["model"]["name"] == "smollm2-135m"
    assert (run_dir / "report.html").stat().st_size > 1000
    assert (run_dir / "pairs.jsonl").exists()
    assert "Before" in output and "After" in output


@pytest.mark.slow
def test_eval_with_search_measures_without_training(tmp_path: Path) -> None:
    """`forge eval --search`: greedy pass and search on the real model, nothing trained."""
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("".join(json.dumps(t) + "\n" for t in TASKS))
    (tmp_path / "c.yaml").write_text(
        "search: {population_size: 2, generations: 1, elites: 1, repairs_per_elite: 1, "
        "max_tokens: 96}\n"
    )
    out = tmp_path / "runs"
    proc = _forge(
        "eval",
        "--domain",
        "code",
        "--tasks",
        str(tasks),
        "--search",
        "--config",
        str(tmp_path / "c.yaml"),
        "--out",
        str(out),
        cwd=tmp_path,
    )
    output, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0, output
    assert "3 tasks (evaluation: before, search)" in output
    assert "Tasks (3)" in output and "Training" not in output and "Pairs:" not in output
    (run_dir,) = out.glob("*-code-*")
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["phase_list"] == ["before", "search"]
    before, search = summary["phases"]["before"], summary["phases"]["search"]
    assert before["total"] == search["total"] == 3
    assert search["passed"] >= before["passed"], "the search starts from the greedy answer"
    assert not (run_dir / "adapter").exists() and summary["train"] is None
    seeds = (
        sqlite3.connect(run_dir / "forge.db")
        .execute("SELECT COUNT(*) FROM candidates WHERE phase='search' AND id LIKE '%:seed'")
        .fetchone()[0]
    )
    assert seeds == 3
