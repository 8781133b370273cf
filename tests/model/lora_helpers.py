"""Test helpers: mlx-lm-format LoRA adapters with random weights, float32 mlx-lm folders."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from forge.model.gguf_convert import convert_gguf


def float32_folder(gguf: Path, out: Path, arch: str) -> Path:
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


def random_adapter(
    lm,
    out: Path,
    rank: int = 4,
    scale: float = 20.0,
    seed: int = 0,
    std: float = 0.02,
    base: str | None = None,
) -> Path:
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
            value = mx.array(rng.normal(0, std, value.shape).astype(np.float32))
        weights[name] = value
    out.mkdir(parents=True, exist_ok=True)
    mx.save_safetensors(str(out / "adapters.safetensors"), weights)
    config = {
        "fine_tune_type": "lora",
        "num_layers": len(lm.model.layers),
        "lora_parameters": {"rank": rank, "scale": scale, "dropout": 0.0},
        "forge": {"base": base},
    }
    (out / "adapter_config.json").write_text(json.dumps(config))
    return out
