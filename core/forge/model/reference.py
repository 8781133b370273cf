"""A plain-numpy reference forward pass read straight from a GGUF file (llama.cpp conventions).

It shares no code with the conversion or with mlx-lm: tensors are decoded with
``gguf.quants.dequantize`` and used in GGUF layout (permuted q/k rows with interleaved RoPE for
llama, +1 Gemma norms), so agreement between its logits and the converted MLX model's logits
proves the conversion (names, permutation, norm offsets, quantized repacking, config).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize


def _tensors(reader: GGUFReader) -> dict[str, np.ndarray]:
    """Decode every tensor to float32 in (rows, cols) layout."""
    out = {}
    for t in reader.tensors:
        w = np.asarray(dequantize(np.asarray(t.data), t.tensor_type), dtype=np.float32)
        out[t.name] = w.reshape([int(s) for s in reversed(t.shape)])
    return out


def _rms(x: np.ndarray, w: np.ndarray, eps: float) -> np.ndarray:
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w


def _rope(x: np.ndarray, base: float, interleaved: bool) -> np.ndarray:
    """Rotate (heads, seq, dim) by position; llama.cpp 'normal' (interleaved) or NEOX mode."""
    _, seq, dim = x.shape
    inv = base ** (-np.arange(0, dim, 2, dtype=np.float64) / dim)
    ang = np.arange(seq)[:, None] * inv[None, :]
    cos, sin = np.cos(ang).astype(np.float32), np.sin(ang).astype(np.float32)
    if interleaved:
        a, b = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2], out[..., 1::2] = a * cos - b * sin, a * sin + b * cos
        return out
    a, b = x[..., : dim // 2], x[..., dim // 2 :]
    return np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=-1)


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1 + np.tanh(0.7978845608 * (x + 0.044715 * x**3)))


def reference_logits(gguf_path: str | Path, token_ids: list[int]) -> np.ndarray:
    """Return float32 logits (seq, vocab) for ``token_ids`` computed from the GGUF in numpy."""
    reader = GGUFReader(str(gguf_path))
    f = {k: v.contents() for k, v in reader.fields.items() if not k.startswith("tokenizer.")}
    arch = f["general.architecture"]
    w = _tensors(reader)
    heads, kv = f[f"{arch}.attention.head_count"], f[f"{arch}.attention.head_count_kv"]
    eps = f[f"{arch}.attention.layer_norm_rms_epsilon"]
    base = f.get(f"{arch}.rope.freq_base", 10000.0)
    emb = w["token_embd.weight"]
    x = emb[token_ids]
    gemma = arch == "gemma3"
    if gemma:
        x = x * np.float32(np.sqrt(emb.shape[1]))
    seq = len(token_ids)
    mask = np.triu(np.full((seq, seq), -np.inf, dtype=np.float32), 1)
    for i in range(f[f"{arch}.block_count"]):
        p = f"blk.{i}."

        def lin(name: str, h: np.ndarray, p: str = p) -> np.ndarray:
            bias = w.get(p + name + ".bias")
            y = h @ w[p + name + ".weight"].T
            return y if bias is None else y + bias

        h = _rms(x, w[p + "attn_norm.weight"], eps)
        q = lin("attn_q", h).reshape(seq, heads, -1).transpose(1, 0, 2)
        k = lin("attn_k", h).reshape(seq, kv, -1).transpose(1, 0, 2)
        v = lin("attn_v", h).reshape(seq, kv, -1).transpose(1, 0, 2)
        layer_base = base
        if gemma:
            q, k = (
                _rms(q, w[p + "attn_q_norm.weight"], eps),
                _rms(k, w[p + "attn_k_norm.weight"], eps),
            )
            layer_base = base if (i + 1) % 6 == 0 else 10000.0
        q, k = _rope(q, layer_base, arch == "llama"), _rope(k, layer_base, arch == "llama")
        k, v = np.repeat(k, heads // kv, axis=0), np.repeat(v, heads // kv, axis=0)
        s = q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1]) + mask
        s = np.exp(s - s.max(-1, keepdims=True))
        a = ((s / s.sum(-1, keepdims=True)) @ v).transpose(1, 0, 2).reshape(seq, -1)
        a = lin("attn_output", a)
        x = x + (_rms(a, w[p + "post_attention_norm.weight"], eps) if gemma else a)
        h = _rms(x, w[p + "ffn_norm.weight"], eps)
        gate = lin("ffn_gate", h)
        act = _gelu_tanh(gate) if gemma else gate / (1 + np.exp(-gate))
        m = lin("ffn_down", act * lin("ffn_up", h))
        x = x + (_rms(m, w[p + "post_ffw_norm.weight"], eps) if gemma else m)
    x = _rms(x, w["output_norm.weight"], eps)
    return x @ w.get("output.weight", emb).T
