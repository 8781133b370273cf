"""Read a LoRA adapter folder written by forge's trainer (mlx-lm format) with numpy only.

The folder holds ``adapters.safetensors`` (``model.layers.N.<module>.lora_a`` of shape
``(in, rank)`` and ``lora_b`` of shape ``(rank, out)``) and ``adapter_config.json``
(``lora_parameters.scale``, ``fine_tune_type``). mlx-lm adds ``scale * (x @ a) @ b`` to a
layer's output, so the weight change is ``delta = scale * b.T @ a.T`` of shape ``(out, in)``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from forge.errors import ModelError

_LAYER_MODULES = {
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}


@dataclass
class LoraPair:
    """One adapted layer: its GGUF weight name, ``a`` (in, rank) and ``b`` (rank, out)."""

    gguf_name: str
    a: np.ndarray
    b: np.ndarray

    def delta(self, scale: float) -> np.ndarray:
        """The weight change ``scale * b.T @ a.T`` in float32, shape (out, in)."""
        return (np.float32(scale) * self.b.T.astype(np.float32)) @ self.a.T.astype(np.float32)


@dataclass
class Adapter:
    """A loaded adapter: its folder, LoRA scale, rank, and the adapted layers."""

    path: Path
    scale: float
    rank: int
    pairs: list[LoraPair]
    config: dict


def gguf_weight_name(mlx_module: str) -> str | None:
    """Map ``model.layers.N.self_attn.q_proj`` to ``blk.N.attn_q.weight`` (None if unknown)."""
    m = re.fullmatch(r"model\.layers\.(\d+)\.(.+)", mlx_module)
    if m is None or m.group(2) not in _LAYER_MODULES:
        return None
    return f"blk.{m.group(1)}.{_LAYER_MODULES[m.group(2)]}.weight"


def read_adapter(path: Path) -> Adapter:
    """Load adapter folder ``path``; raise a one-line ModelError when it is not usable."""
    from safetensors.numpy import load_file

    cfg_file, weights = path / "adapter_config.json", path / "adapters.safetensors"
    if not cfg_file.is_file() or not weights.is_file():
        raise ModelError(
            f"'{path}' has no trained adapter (adapter_config.json + adapters.safetensors).",
            "Pass the adapter/ folder of a run whose TRAIN phase finished.",
        )
    config = json.loads(cfg_file.read_text())
    kind = config.get("fine_tune_type", "lora")
    if kind != "lora":
        raise ModelError(f"Adapter type '{kind}' is not supported.", "Only LoRA adapters are.")
    params = config.get("lora_parameters", {})
    tensors = load_file(str(weights))
    pairs = []
    for key in sorted(k for k in tensors if k.endswith(".lora_a")):
        module = key[: -len(".lora_a")]
        name = gguf_weight_name(module)
        if name is None or f"{module}.lora_b" not in tensors:
            raise ModelError(f"Adapter layer '{module}' cannot be exported.", "Retrain with LoRA.")
        pairs.append(LoraPair(name, tensors[key], tensors[f"{module}.lora_b"]))
    if not pairs:
        raise ModelError(f"Adapter '{path}' holds no LoRA weights.", "Retrain the adapter.")
    rank = int(pairs[0].a.shape[1])
    return Adapter(path, float(params.get("scale", 20.0)), rank, pairs, config)


def permute_rows(w: np.ndarray, n_head: int) -> np.ndarray:
    """llama.cpp's q/k row permutation for llama-family GGUF weights (HF -> interleaved RoPE)."""
    r = w.shape[0]
    return w.reshape(n_head, 2, r // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def out_permutation(arch: str, gguf_name: str, heads: tuple[int, int]) -> int | None:
    """The head count to permute output rows of ``gguf_name`` with, or None (no permutation).

    Only llama-family GGUFs store q/k permuted (forge's converter un-permutes the same ones).
    """
    if arch != "llama":
        return None
    if gguf_name.endswith("attn_q.weight"):
        return heads[0]
    if gguf_name.endswith("attn_k.weight"):
        return heads[1]
    return None
