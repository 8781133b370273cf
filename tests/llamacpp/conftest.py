"""Fixtures for the llama.cpp engine tests, and the rule for when llama-cpp-python is absent.

The engine needs the ``llamacpp`` extra (a compiled llama-cpp-python). Without it these tests
*fail* when the extra should be there: ``FORGE_TEST_LLAMACPP=1``, or an environment that
``scripts/setup.sh --llamacpp`` set up (it leaves ``<venv>/forge-llamacpp``). Otherwise they
are skipped and the run ends with a loud line saying so; ``FORGE_TEST_LLAMACPP=0`` skips
them on purpose.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest
from gguf import GGMLQuantizationType as Q

import forge.model as fm

from ..model.lora_helpers import float32_folder, random_adapter  # noqa: F401
from ..model.tiny import write_tiny_gguf

HAVE_LLAMACPP = importlib.util.find_spec("llama_cpp") is not None
MISSING = "llama-cpp-python is not installed (run ./scripts/setup.sh --llamacpp)"


def llamacpp_required() -> bool:
    """True when a missing llama-cpp-python must fail these tests instead of skipping them."""
    flag = os.environ.get("FORGE_TEST_LLAMACPP")
    if flag is not None:
        return flag == "1"
    return (Path(sys.prefix) / "forge-llamacpp").is_file()


@pytest.fixture(autouse=True)
def _need_llamacpp(request: pytest.FixtureRequest) -> None:
    """Fail or skip (see the module docstring) a test that needs llama-cpp-python."""
    if HAVE_LLAMACPP or request.node.get_closest_marker("no_llamacpp"):
        return
    if llamacpp_required():
        pytest.fail(
            f"{MISSING}, but this environment requires it (see tests/llamacpp/conftest.py)."
        )
    pytest.skip(MISSING)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Say loudly at the end of the run that the engine tests did not run."""
    if not HAVE_LLAMACPP and not llamacpp_required():
        terminalreporter.write_line(
            f"WARNING: the llama.cpp engine tests were SKIPPED: {MISSING}.", yellow=True, bold=True
        )


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "no_llamacpp: runs without llama-cpp-python installed")


@pytest.fixture(scope="session")
def tiny_f32(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny random llama and qwen2 GGUFs with float32 matrices (both engines compute exactly)."""
    d = tmp_path_factory.mktemp("tiny-f32")
    return {a: write_tiny_gguf(d / f"{a}.gguf", a, seed=0, qtype=Q.F32) for a in ("llama", "qwen2")}


@pytest.fixture(scope="session")
def tiny_mlx_folders(tiny_f32, tmp_path_factory) -> dict[str, Path]:
    """The tiny float32 GGUFs as mlx-lm folders, weights kept float32 (not the converter's
    float16), so both engines run the very same weights."""
    d = tmp_path_factory.mktemp("tiny-f32-mlx")
    return {a: float32_folder(g, d / a, a) for a, g in tiny_f32.items()}


@pytest.fixture
def tiny_pair(tiny_f32, tiny_mlx_folders):
    """(llama.cpp engine, MLX LanguageModel) on the same tiny float32 llama model."""
    from forge.llamacpp import LlamaCppEngine

    return (
        LlamaCppEngine.load(str(tiny_f32["llama"]), threads=1, precise=True),
        fm.load(str(tiny_mlx_folders["llama"])),
    )
