"""The optimized BLAS under MLX on Linux CPU, and what forge doctor says about it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import forge.model as fm
from forge.model.blas import blas_status

LINUX = sys.platform.startswith("linux")


def _doctor_in_child(env_extra: dict[str, str]) -> dict[str, str]:
    code = "import json, forge.model as fm; print(json.dumps(fm.doctor_info()))"
    import os

    env = {**os.environ, **env_extra}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not LINUX, reason="the BLAS swap is a Linux CPU concern")
def test_fast_blas_is_loaded_before_mlx() -> None:
    status = blas_status()
    assert status is not None and status.fast, status
    info = fm.doctor_info()
    assert info["blas"].startswith(status.kind)
    assert float(info["matmul"].split()[0]) > 20  # the bundled reference BLAS does ~6
    assert "advice" not in info


@pytest.mark.skipif(not LINUX, reason="the BLAS swap is a Linux CPU concern")
def test_doctor_explains_the_slow_path() -> None:
    info = _doctor_in_child({"FORGE_BLAS": "off"})
    assert info["blas"].startswith("bundled")
    assert "apt-get install libopenblas0-pthread" in info["advice"]
    assert float(info["matmul"].split()[0]) < 20


def test_doctor_without_benchmark() -> None:
    info = fm.doctor_info(bench=False)
    assert {"device", "mlx", "blas", "weights"} <= info.keys() and "matmul" not in info


def test_import_is_light() -> None:
    code = "import sys, forge.model, forge.cli.models; print('mlx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
