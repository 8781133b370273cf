"""GGUF conversion: converted MLX models reproduce an independent numpy reference's logits."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from gguf import GGMLQuantizationType as Q

import forge.model as fm
from forge.errors import ModelError
from forge.model.gguf_convert import convert_gguf
from forge.model.gguf_weights import repack
from forge.model.reference import reference_logits

from .tiny import write_tiny_gguf

TEXT = "def reverse(x):\n    return x[::-1]  # héllo ✓"


def _mlx_logits(lm, ids: list[int]) -> np.ndarray:
    import mlx.core as mx

    return np.array(lm.model(mx.array([ids]))[0].astype(mx.float32))


@pytest.mark.parametrize(
    ("arch", "qtype"),
    [("llama", Q.Q8_0), ("llama", Q.Q4_1), ("qwen2", Q.Q4_0), ("gemma3", Q.Q8_0)],
)
def test_tiny_conversion_matches_reference(tmp_path: Path, arch: str, qtype: Q) -> None:
    gguf = write_tiny_gguf(tmp_path / f"{arch}.gguf", arch, seed=1, qtype=qtype)
    folder = convert_gguf(gguf, tmp_path / "out", {"name": arch})
    lm = fm.load(str(folder))
    ids = lm.encode_chat([{"role": "user", "content": TEXT}])
    ref = reference_logits(gguf, ids)
    got = _mlx_logits(lm, ids)
    assert got.shape == ref.shape
    gpu = lm.identity["device"] == "gpu"  # float16 activations there; float32 on the CPU
    np.testing.assert_allclose(got, ref, atol=(3e-2 if gpu else 2e-3) * np.abs(ref).max())
    assert (got.argmax(-1) == ref.argmax(-1)).mean() >= (0.9 if gpu else 1.0)


def test_converted_folder_layout(tiny_folder: Path) -> None:
    names = {p.name for p in tiny_folder.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"} <= names
    config = json.loads((tiny_folder / "config.json").read_text())
    assert config["model_type"] == "llama"
    assert config["quantization"]["group_size"] == 32  # Q8_0 kept packed for Metal
    assert 2 in config["eos_token_id"]  # <|im_end|>
    tok = json.loads((tiny_folder / "tokenizer_config.json").read_text())
    assert "<|im_start|>" in tok["chat_template"]


def test_tokenizer_roundtrip_and_chat_template(tiny_lm) -> None:
    ids = lm_ids = tiny_lm.tokenizer.encode(TEXT, add_special_tokens=False)
    assert tiny_lm.decode(ids) == TEXT
    chat = tiny_lm.encode_chat([{"role": "user", "content": "hi"}])
    text = tiny_lm.tokenizer.decode(chat)
    assert text == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"
    assert chat[0] == 1 and lm_ids  # <|im_start|> is one special token


@pytest.mark.parametrize("qtype", [Q.Q4_0, Q.Q4_1, Q.Q8_0])
def test_repack_is_lossless(qtype: Q) -> None:
    import mlx.core as mx
    from gguf.quants import dequantize, quantize

    w = np.random.default_rng(0).normal(size=(8, 64)).astype(np.float32)
    raw = quantize(w, qtype)
    p = repack(raw, qtype, 64)
    bits = p["weight"].shape[1] * 32 // 64
    got = mx.dequantize(*(mx.array(p[k]) for k in ("weight", "scales", "biases")), 32, bits)
    assert np.array_equal(np.array(got), dequantize(raw, qtype))


def test_unsupported_architecture(tmp_path: Path) -> None:
    from gguf import GGUFWriter

    path = tmp_path / "x.gguf"
    w = GGUFWriter(str(path), "mamba")
    w.add_token_list(["a"])
    w.add_tensor("token_embd.weight", np.zeros((1, 32), np.float32))
    for step in (w.write_header_to_file, w.write_kv_data_to_file, w.write_tensors_to_file):
        step()
    w.close()
    with pytest.raises(ModelError, match="GGUF architecture 'mamba' is not supported"):
        convert_gguf(path, tmp_path / "out", {})


def test_not_a_gguf(tmp_path: Path) -> None:
    path = tmp_path / "junk.gguf"
    path.write_bytes(b"not a gguf at all")
    with pytest.raises(ModelError, match="Cannot read GGUF file"):
        convert_gguf(path, tmp_path / "out", {})
