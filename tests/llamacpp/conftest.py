"""Fixtures for the llama.cpp engine tests, and the rule for when llama-cpp-python is absent.

The engine needs the ``llamacpp`` extra (a compiled llama-cpp-python). Without it these tests
*fail* when ``FORGE_TEST_LLAMACPP=1``, or when ``CI=true`` and FORGE_TEST_LLAMACPP is unset
(CI is expected to install the extra); otherwise they are skipped and the run ends with a
loud line saying so. ``FORGE_TEST_LLAMACPP=0`` skips them on purpose.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest
from gguf import GGMLQuantizationType as Q

import forge.model as fm
from forge.model.gguf_convert import convert_gguf

from ..model.tiny import write_tiny_gguf

HAVE_LLAMACPP = importlib.util.find_spec("llama_cpp") is not None
MISSING = "llama-cpp-python is not installed (run ./scripts/setup.sh --llamacpp)"


def llamacpp_required() -> bool:
    """True when a missing llama-cpp-python must fail these tests instead of skipping them."""
    flag = os.environ.get("FORGE_TEST_LLAMACPP")
    if flag is not None:
        return flag == "1"
    return os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _need_llamacpp(request: pytest.FixtureRequest) -> None:
    """Fail or skip (see the module docstring) a test that needs llama-cpp-python."""
    if HAVE_LLAMACPP or request.node.get_closest_marker("no_llamacpp"):
        return
    if llamacpp_required():
        pytest.fail(f"{MISSING}, but FORGE_TEST_LLAMACPP=1 or CI=true requires it.")
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
    return {a: _float32_folder(g, d / a, a) for a, g in tiny_f32.items()}


def _float32_folder(gguf: Path, out: Path, arch: str) -> Path:
    """Convert ``gguf`` with forge's converter, then store its weights as float32."""
    from gguf import GGUFReader
    from safetensors.numpy import save_file

    from forge.model.gguf_weights import read_tensors

    folder = convert_gguf(gguf, out, {"name": f"tiny-{arch}"})
    cfg = json.loads((folder / "config.json").read_text())
    heads = (cfg["num_attention_heads"], cfg["num_key_value_heads"])
    tensors = read_tensors(GGUFReader(str(gguf)), arch, heads)
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "mlx"})
    return folder


def random_adapter(lm, out: Path, rank: int = 4, scale: float = 20.0, seed: int = 0) -> Path:
    """Write an mlx-lm-format LoRA adapter with random non-zero weights on every layer of ``lm``.

    Same files and config as forge's trainer writes, but with a large random ``lora_b`` (the
    trainer starts it at zero), so the adapter visibly changes every logit it touches.
    """
    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_lm.tuner.utils import linear_to_lora_layers

    mx.random.seed(seed)
    lm.model.freeze()
    linear_to_lora_layers(
        lm.model, len(lm.model.layers), {"rank": rank, "scale": scale, "dropout": 0.0}
    )
    rng = np.random.default_rng(seed)
    weights = {}
    for name, value in tree_flatten(lm.model.trainable_parameters()):
        if name.endswith("lora_b"):
            value = mx.array(rng.normal(0, 0.02, value.shape).astype(np.float32))
        weights[name] = value
    out.mkdir(parents=True, exist_ok=True)
    mx.save_safetensors(str(out / "adapters.safetensors"), weights)
    config = {
        "fine_tune_type": "lora",
        "num_layers": len(lm.model.layers),
        "lora_parameters": {"rank": rank, "scale": scale, "dropout": 0.0},
    }
    (out / "adapter_config.json").write_text(json.dumps(config))
    return out


@pytest.fixture
def tiny_pair(tiny_f32, tiny_mlx_folders):
    """(llama.cpp engine, MLX LanguageModel) on the same tiny float32 llama model."""
    from forge.llamacpp import LlamaCppEngine

    return (
        LlamaCppEngine.load(str(tiny_f32["llama"]), threads=1, precise=True),
        fm.load(str(tiny_mlx_folders["llama"])),
    )
