"""The default model (SmolLM2-135M-Instruct, Q4_1) on llama.cpp: adapter parity with MLX, export.

What is compared, and why: the MLX engine on a CPU runs the Q4_1 weights dequantized to
float32 (exact values); llama.cpp runs Q4_1 natively (activations rounded to 8 bits inside
its matmuls), so their logits differ by quantization noise. For the exact check the base is
exported once to a float32 GGUF (the same values MLX runs) and llama.cpp runs it with the
adapter attached, float32 attention: logits agree to 1e-3. The native Q4_1 engine and the
exported q8_0 model must give the same greedy answers as MLX with the adapter.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import forge.model as fm
from forge.export.gguf_out import write_fused
from forge.llamacpp import LlamaCppEngine
from forge.llamacpp.source import locate
from forge.params import SamplingParams

from ..export.test_export import run_cli
from ..model.lora_helpers import random_adapter

pytestmark = pytest.mark.slow
GREEDY = SamplingParams(temperature=0.0, max_tokens=40)
PROMPTS = [
    [{"role": "user", "content": "Write a Python function add(a, b) that returns a + b."}],
    [{"role": "user", "content": "What is the capital of France?"}],
]


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> dict:
    """A random adapter on the default model, MLX with it, and the base as a float32 GGUF."""
    d = tmp_path_factory.mktemp("real")
    adapter = random_adapter(fm.load(), d / "adapter", std=0.002, base="smollm2-135m")
    gguf, _ = locate("smollm2-135m")
    lm = fm.load(adapter=adapter)
    return {
        "dir": d,
        "adapter": adapter,
        "gguf": gguf,
        "mlx": lm,
        "want": lm.generate(PROMPTS, params=GREEDY),  # forge's MLX engine with the adapter
        "f32": write_fused(gguf, None, d / "base-f32.gguf", "f32"),
    }


def test_adapter_on_llamacpp_matches_mlx_on_the_default_model(setup) -> None:
    import mlx.core as mx

    lm, want = setup["mlx"], setup["want"]
    exact = LlamaCppEngine.load(str(setup["f32"]), adapter=setup["adapter"], precise=True)
    tokens = exact.encode_chat(PROMPTS[0])
    ref = np.array(lm.model(mx.array(tokens)[None])[0])
    assert np.abs(exact.logits(tokens) - ref).max() < 1e-3  # measured 9e-5 (max logit 38)
    assert exact.generate(PROMPTS, params=GREEDY) == want
    native = LlamaCppEngine.load("smollm2-135m", adapter=setup["adapter"])
    assert native.identity["dtype"] == "Q4_1"
    assert native.generate(PROMPTS, params=GREEDY) == want
    assert native.with_adapter(None).generate(PROMPTS, params=GREEDY) != want  # it matters


def test_exported_gguf_answers_like_forge_with_the_adapter(setup, capsys) -> None:
    out = setup["dir"] / "fused.gguf"
    code, output = run_cli(capsys, "export", str(setup["adapter"]), "--gguf", str(out))
    assert code == 0 and "q8_0" in output, output
    fused = LlamaCppEngine.load(str(out))
    assert fused.generate(PROMPTS, params=GREEDY) == setup["want"]


def test_exported_mlx_folder_answers_like_forge_with_the_adapter(setup, capsys) -> None:
    out: Path = setup["dir"] / "fused-mlx"
    code, output = run_cli(capsys, "export", str(setup["adapter"]), "--mlx", str(out))
    assert code == 0, output
    exported = fm.load(str(out))
    assert exported.generate(PROMPTS, params=GREEDY) == setup["mlx"].generate(
        PROMPTS, params=GREEDY
    )
