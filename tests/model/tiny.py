"""Build tiny random-weight GGUF files (llama, qwen2, gemma3) for fast model-layer tests.

They are written the way llama.cpp writes real ones: HF-layout weights with llama q/k rows
permuted for interleaved RoPE, Gemma norms stored with +1, a byte-level BPE vocabulary with
merges, special tokens and a ChatML template; matrices quantized to Q8_0/Q4_0/Q4_1 or F32.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType as Q
from gguf import GGUFWriter
from gguf.quants import quantize

CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content']"
    " + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
MERGES = ["d e", "Ġ r", "r e", "t u", "r n", "de f", "Ġ x"]


def byte_tokens() -> list[str]:
    """GPT-2's printable stand-ins for the 256 byte values (byte-level BPE alphabet)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for _, c in sorted(zip(bs, cs, strict=True))]


def _permute(w: np.ndarray, n_head: int) -> np.ndarray:
    """llama.cpp's HF -> GGUF q/k row permutation."""
    r = w.shape[0]
    return w.reshape(n_head, 2, r // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def _add(writer: GGUFWriter, name: str, w: np.ndarray, qtype: Q) -> None:
    """Add a float32 (rows, cols) tensor, quantized to ``qtype`` unless F32 or 1-D."""
    w = w.astype(np.float32)
    if qtype == Q.F32 or w.ndim == 1:
        writer.add_tensor(name, w)
    else:
        writer.add_tensor(name, quantize(w, qtype), raw_dtype=qtype)


def write_tiny_gguf(path: Path, arch: str = "llama", seed: int = 0, qtype: Q = Q.Q8_0) -> Path:
    """Write a small (2 or 6 layer) random model of ``arch`` to ``path`` and return it."""
    rng = np.random.default_rng(seed)
    tokens = SPECIALS + byte_tokens() + [m.replace(" ", "") for m in MERGES]
    vocab, hidden, heads, kv, ffn, head_dim = len(tokens), 64, 4, 2, 128, 16
    layers, base = 2, 10000.0
    if arch == "gemma3":  # head_dim independent of hidden/heads; every 6th layer is global
        head_dim, layers, base = 32, 6, 1e6
    w = GGUFWriter(str(path), arch)
    w.add_context_length(256)
    w.add_embedding_length(hidden)
    w.add_block_count(layers)
    w.add_feed_forward_length(ffn)
    w.add_head_count(heads)
    w.add_head_count_kv(kv)
    w.add_key_length(head_dim)
    w.add_value_length(head_dim)
    w.add_rope_freq_base(base)
    w.add_layer_norm_rms_eps(1e-6)
    if arch == "gemma3":
        w.add_sliding_window(512)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("default")
    w.add_token_list(tokens)
    w.add_token_types([3] * len(SPECIALS) + [1] * (vocab - len(SPECIALS)))
    w.add_token_merges(MERGES)
    w.add_bos_token_id(0)
    w.add_eos_token_id(2)
    w.add_chat_template(CHATML)

    def mat(r: int, c: int, scale: float = 0.08) -> np.ndarray:
        return rng.normal(0, scale, (r, c)).astype(np.float32)

    def norm(n: int) -> np.ndarray:
        base = rng.uniform(0.8, 1.2, n).astype(np.float32)
        return base + 1.0 if arch == "gemma3" else base  # llama.cpp stores Gemma norms +1

    _add(w, "token_embd.weight", mat(vocab, hidden, 0.5), qtype)
    for i in range(layers):
        p = f"blk.{i}."
        q, k = mat(heads * head_dim, hidden), mat(kv * head_dim, hidden)
        if arch == "llama":
            q, k = _permute(q, heads), _permute(k, kv)
        _add(w, p + "attn_norm.weight", norm(hidden), Q.F32)
        _add(w, p + "attn_q.weight", q, qtype)
        _add(w, p + "attn_k.weight", k, qtype)
        _add(w, p + "attn_v.weight", mat(kv * head_dim, hidden), qtype)
        _add(w, p + "attn_output.weight", mat(hidden, heads * head_dim), qtype)
        if arch == "qwen2":
            for n, size in (("attn_q", heads), ("attn_k", kv), ("attn_v", kv)):
                _add(w, p + n + ".bias", rng.normal(0, 0.1, size * head_dim), Q.F32)
        if arch == "gemma3":
            _add(w, p + "attn_q_norm.weight", norm(head_dim), Q.F32)
            _add(w, p + "attn_k_norm.weight", norm(head_dim), Q.F32)
            _add(w, p + "post_attention_norm.weight", norm(hidden), Q.F32)
            _add(w, p + "post_ffw_norm.weight", norm(hidden), Q.F32)
        _add(w, p + "ffn_norm.weight", norm(hidden), Q.F32)
        _add(w, p + "ffn_gate.weight", mat(ffn, hidden), qtype)
        _add(w, p + "ffn_up.weight", mat(ffn, hidden), qtype)
        _add(w, p + "ffn_down.weight", mat(hidden, ffn), qtype)
    _add(w, "output_norm.weight", norm(hidden), Q.F32)
    if arch == "qwen2":
        _add(w, "output.weight", mat(vocab, hidden, 0.5), Q.F32)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path
