"""examples/forge-verilog installed into a fresh venv with pip, driven through the forge CLI.

It needs Icarus Verilog (``iverilog``, ``vvp``; ``scripts/setup.sh`` installs it where it
can). Without it every test here is skipped with that reason, except under ``CI=true``,
where its absence fails: CI must run these.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "forge-verilog"
MISSING = [p for p in ("iverilog", "vvp") if shutil.which(p) is None]
OR_GATE = "```verilog\nmodule half_adder(input a, input b, output sum, output carry);\n  assign sum = a | b;\n  assign carry = a & b;\nendmodule\n```\n"


@pytest.fixture(scope="module")
def verilog_venv(tmp_path_factory: pytest.TempPathFactory):
    """One fresh venv per module with ``pip install ./examples/forge-verilog`` done."""
    from tests.plugins.conftest import make_venv

    if MISSING:
        reason = f"Icarus Verilog is not installed ({', '.join(MISSING)} not on PATH); apt-get install iverilog"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: the verilog example must be tested)", pytrace=False)
        pytest.skip(reason)
    venv = make_venv(tmp_path_factory.mktemp("verilog") / "venv")
    venv.install(EXAMPLE)
    return venv


def test_doctor_says_the_domain_is_ready(verilog_venv):
    proc = verilog_venv.run("forge", "doctor", "--no-bench", timeout=300)
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("domain verilog"))
    assert line.split(None, 2)[2] == "ready"


def test_tasks_lists_fourteen(verilog_venv):
    proc = verilog_venv.run("forge", "tasks", "--domain", "verilog")
    assert proc.returncode == 0, proc.stderr
    assert "14 tasks" in proc.stderr
    assert proc.stdout.splitlines()[0].startswith("mux2 ")


def test_verify_gives_the_feedback_and_the_profile(verilog_venv):
    args = ("forge", "verify", "-d", "verilog", "--task", "half-adder", "-c", "-", "--json")
    bad = verilog_venv.run(*args, input=OR_GATE)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    verdict = json.loads(bad.stdout)
    assert verdict["status"] == "failed"
    assert verdict["feedback"] == "inputs a=1 b=1: expected sum=0 got sum=1"
    assert "programs" in verdict["isolation"]


def test_a_run_without_iverilog_stops_in_one_line(verilog_venv, tmp_path):
    """With iverilog off PATH, forge run says what to install and starts nothing."""
    empty = tmp_path / "bin"
    empty.mkdir()
    proc = verilog_venv.run(
        "forge",
        "run",
        "--domain",
        "verilog",
        "--quick",
        "--out",
        str(tmp_path / "runs"),
        env={"PATH": f"{verilog_venv.bin}{os.pathsep}{empty}"},
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith(
        "Error: The domain 'verilog' (plugin 'verilog') cannot run here: the program "
        "'iverilog' is not installed (not found on PATH); install Icarus Verilog"
    )
    assert len(proc.stderr.splitlines()) == 1 and not (tmp_path / "runs").exists()


def test_the_plugins_own_tests_pass(verilog_venv):
    proc = verilog_venv.run(
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-rs",
        cwd=EXAMPLE,
        timeout=900,
        env={"CI": "true"},
    )
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "skipped" not in proc.stdout
