"""End to end on the real default model: `forge experiment` with base, trained and control.

The user's path: the CLI in a subprocess, the embedded SmolLM2 model, the real sandbox,
code domain and LoRA trainer, every experiment phase (MEASURE, COLLECT, PAIRS, TRAIN,
MEASURE AFTER) at the smallest size that still runs each of them: 2 training tasks, 1
held-out, 1 transfer task, 1 seed, 2 samples per measured task, 2 training steps.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TRAIN = [
    {
        "id": "add",
        "prompt": "Write a Python function `add(a, b)` that returns a + b.",
        "entry_point": "add",
        "tests": [{"input": [1, 2], "expected": 3}, {"input": [-1, 1], "expected": 0}],
    },
    {
        "id": "double",
        "prompt": "Write a Python function `double(x)` that returns x times 2.",
        "entry_point": "double",
        "tests": [{"input": [2], "expected": 4}, {"input": [0], "expected": 0}],
    },
]
HELDOUT = [
    {
        "id": "negate",
        "prompt": "Write a Python function `negate(x)` that returns -x.",
        "entry_point": "negate",
        "tests": [{"input": [3], "expected": -3}, {"input": [-2], "expected": 2}],
    }
]
TRANSFER = [
    {
        "id": "square",
        "prompt": "Write a Python function `square(x)` that returns x squared.",
        "entry_point": "square",
        "tests": [{"input": [3], "expected": 9}, {"input": [-2], "expected": 4}],
    }
]

EXPERIMENT = """
seeds: [1]
k: [2]
resamples: 200
run:
  domain: code
  tasks: {{source: {train}, heldout: {heldout}, transfer: {transfer}}}
  search: {{population_size: 3, generations: 1, elites: 1, repairs_per_elite: 1, max_tokens: 96}}
  pairs: {{recipe: [repair, rft, rehearsal]}}
  train: {{iters: 2, batch_size: 2, max_seq_len: 256, min_pairs: 1}}
  measure: {{samples: 2}}
arms:
  base: {{kind: base}}
  trained: {{kind: trained}}
  control: {{kind: control}}
"""


def _write(path: Path, tasks: list[dict]) -> Path:
    path.write_text("".join(json.dumps(t) + "\n" for t in tasks))
    return path


@pytest.mark.slow
def test_experiment_on_the_real_model(tmp_path: Path) -> None:
    spec = tmp_path / "tiny.yaml"
    spec.write_text(
        EXPERIMENT.format(
            train=_write(tmp_path / "train.jsonl", TRAIN),
            heldout=_write(tmp_path / "heldout.jsonl", HELDOUT),
            transfer=_write(tmp_path / "transfer.jsonl", TRANSFER),
        )
    )
    exe = Path(sys.executable).with_name("forge")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    out = tmp_path / "out"
    cmd = [str(exe), "experiment", str(spec), "--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    text = done.stdout
    for title in ("MEASURE:", "COLLECT:", "PAIRS:", "TRAIN:", "MEASURE AFTER:"):
        assert title in text
    assert "Held-out tasks (1)" in text and "Transfer tasks (1)" in text
    folder = out / "tiny"
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"]["missing"] == []
    assert summary["metrics"] == ["greedy", "pass@1", "pass@2", "tests"]
    base = summary["results"]["heldout"]["base"]["pass@1"]
    assert base["lo"] <= base["mean"] <= base["hi"]
    trained = summary["training"]["trained"]["1"]
    control = summary["training"]["control"]["1"]
    assert trained["examples"] == control["examples"]  # the control's count is the trained arm's
    for arm in ("collect", "trained", "control"):
        run = json.loads((folder / "seed-1" / arm / "summary.json").read_text())
        assert run["model"]["name"] == "smollm2-135m" and run["partial"] == []
    assert "skipped" not in trained and trained["iters"] == 2
    assert (folder / "seed-1" / "trained" / "adapter" / "adapters.safetensors").is_file()
    assert (folder / "report.html").stat().st_size > 2000
    again = subprocess.run(
        [str(exe), "experiment", "--resume", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert again.returncode == 0 and again.stdout.count("finished earlier; skipped") == 3
