"""Read GGUF tensors into mlx-lm (Hugging Face) names and layout, with numpy only.

Q4_0, Q4_1 and Q8_0 blocks are repacked losslessly into MLX's affine quantized format
(weight, scales, biases; group size 32) so Metal keeps 4-bit weights. Every other type
(K-quants, Q5_x, F16, ...) is decoded with ``gguf.quants.dequantize``: ``mx.load`` decodes
Q4_K silently wrong and rejects Q5_0, so it is never used here. llama-family q/k rows are
un-permuted (GGUF stores them for interleaved RoPE) and Gemma norms lose llama.cpp's +1.
"""

from __future__ import annotations

import re

import numpy as np
from gguf import GGMLQuantizationType as Q
from gguf import GGUFReader
from gguf.quants import dequantize

_LAYER_NAMES = {
    "attn_norm": "input_layernorm",
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "attn_q_norm": "self_attn.q_norm",
    "attn_k_norm": "self_attn.k_norm",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
    "ffn_norm": "post_attention_layernorm",
    "post_attention_norm": "post_attention_layernorm",
    "post_ffw_norm": "post_feedforward_layernorm",
}
# Gemma's block has four norms; its "ffn_norm" is the one before the feed-forward.
_GEMMA_LAYER_NAMES = {**_LAYER_NAMES, "ffn_norm": "pre_feedforward_layernorm"}
_TOP_NAMES = {
    "token_embd": "model.embed_tokens",
    "output_norm": "model.norm",
    "output": "lm_head",
}
_PACKABLE = {Q.Q4_0, Q.Q4_1, Q.Q8_0}


def hf_name(gguf_name: str, arch: str) -> str | None:
    """Map a GGUF tensor name to its mlx-lm name; None for tensors mlx-lm does not use."""
    stem, _, suffix = gguf_name.rpartition(".")
    if m := re.fullmatch(r"blk\.(\d+)\.(\w+)", stem):
        table = _GEMMA_LAYER_NAMES if arch.startswith("gemma") else _LAYER_NAMES
        part = table.get(m.group(2))
        return f"model.layers.{m.group(1)}.{part}.{suffix}" if part else None
    top = _TOP_NAMES.get(stem)
    return f"{top}.{suffix}" if top else None


def unpermute(w: np.ndarray, n_head: int) -> np.ndarray:
    """Undo llama.cpp's q/k row permutation (interleaved -> half-split RoPE) on rows of ``w``."""
    rows = w.shape[0]
    return w.reshape(n_head, rows // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def _pack_nibbles(q: np.ndarray) -> np.ndarray:
    """Pack 4-bit values (rows, cols) into MLX uint32 words, element i at nibble i % 8."""
    q = q.astype(np.uint32).reshape(q.shape[0], -1, 8)
    shifts = (np.arange(8, dtype=np.uint32) * 4)[None, None, :]
    return np.bitwise_or.reduce(q << shifts, axis=2)


def repack(raw: np.ndarray, qtype: Q, cols: int) -> dict[str, np.ndarray]:
    """Turn Q4_0/Q4_1/Q8_0 blocks (rows, bytes) into MLX affine (weight, scales, biases)."""
    rows = raw.shape[0]
    nb = cols // 32
    blocks = raw.reshape(rows, nb, -1)
    d = blocks[..., :2].copy().view(np.float16)[..., 0].astype(np.float32)
    if qtype == Q.Q8_0:
        q = blocks[..., 2:].copy().view(np.int8).astype(np.int16) + 128
        w = q.astype(np.uint8).reshape(rows, cols).view(np.uint32)
        return {"weight": w, "scales": d, "biases": -128.0 * d}
    start = 2 if qtype == Q.Q4_0 else 4
    nibbles = blocks[..., start:]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=-1).reshape(rows, cols)
    if qtype == Q.Q4_0:
        bias = -8.0 * d
    else:
        bias = blocks[..., 2:4].copy().view(np.float16)[..., 0].astype(np.float32)
    return {"weight": _pack_nibbles(q), "scales": d, "biases": bias}


def read_tensors(
    reader: GGUFReader, arch: str, heads: tuple[int, int], keep_quantized: bool = True
) -> dict[str, np.ndarray]:
    """Return every used tensor of ``reader`` under mlx-lm names (float or packed quantized).

    ``heads`` is (n_head, n_kv_head), needed to un-permute llama q/k rows.
    """
    out: dict[str, np.ndarray] = {}
    for t in reader.tensors:
        name = hf_name(t.name, arch)
        if name is None:
            continue
        base = name.rsplit(".", 1)[0]
        permute = arch == "llama" and name.endswith(("q_proj.weight", "k_proj.weight"))
        n_head = heads[0] if "q_proj" in name else heads[1]
        cols = int(t.shape[0])
        if keep_quantized and t.tensor_type in _PACKABLE and len(t.shape) == 2 and cols % 32 == 0:
            for key, arr in repack(np.asarray(t.data), t.tensor_type, cols).items():
                out[f"{base}.{key}"] = unpermute(arr, n_head) if permute else arr
            continue
        w = np.asarray(dequantize(np.asarray(t.data), t.tensor_type), dtype=np.float32)
        w = w.reshape([int(s) for s in reversed(t.shape)])
        if permute:
            w = unpermute(w, n_head)
        if arch.startswith("gemma") and name.endswith("norm.weight"):
            w = w - 1.0
        out[name] = w
    return out
