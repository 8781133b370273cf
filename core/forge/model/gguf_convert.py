"""Convert a GGUF file into an mlx-lm model folder (config, tokenizer, safetensors weights).

The folder is a normal mlx-lm folder (``mlx_lm.load`` opens it too), plus ``forge.json`` with
the identity of the source (name, file, sha256) so a second use is instant and traceable.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from forge.errors import ModelError

SUPPORTED = ("llama", "qwen2", "gemma3")
CONVERTER_VERSION = 1
Progress = Callable[[str, int, int], None]


def _get(fields: dict[str, Any], key: str, default: Any = None) -> Any:
    """Return GGUF metadata ``key`` as plain Python, or ``default``."""
    f = fields.get(key)
    return default if f is None else f.contents()


def build_config(fields: dict[str, Any], tensor_names: set[str]) -> dict[str, Any]:
    """Build the mlx-lm ``config.json`` dict from GGUF metadata; raise ModelError if unsupported."""
    arch = str(_get(fields, "general.architecture", "?"))
    if arch not in SUPPORTED:
        raise ModelError(
            f"GGUF architecture '{arch}' is not supported.",
            f"Supported: {', '.join(SUPPORTED)}.",
        )

    def a(key: str, default: Any = None) -> Any:
        return _get(fields, f"{arch}.{key}", default)

    heads = int(a("attention.head_count"))
    hidden = int(a("embedding_length"))
    cfg: dict[str, Any] = {
        "model_type": "gemma3_text" if arch == "gemma3" else arch,
        "hidden_size": hidden,
        "num_hidden_layers": int(a("block_count")),
        "intermediate_size": int(a("feed_forward_length")),
        "num_attention_heads": heads,
        "num_key_value_heads": int(a("attention.head_count_kv", heads)),
        "head_dim": int(a("attention.key_length", hidden // heads)),
        "rms_norm_eps": float(a("attention.layer_norm_rms_epsilon", 1e-6)),
        "rope_theta": float(a("rope.freq_base", 10000.0)),
        "max_position_embeddings": int(a("context_length", 4096)),
        "vocab_size": len(_get(fields, "tokenizer.ggml.tokens")),
        "tie_word_embeddings": "output.weight" not in tensor_names,
        "eos_token_id": int(_get(fields, "tokenizer.ggml.eos_token_id", 0)),
    }
    if arch == "llama":
        cfg["attention_bias"] = "blk.0.attn_q.bias" in tensor_names
    if arch == "gemma3":
        cfg["sliding_window"] = int(a("attention.sliding_window", 512))
        cfg["query_pre_attn_scalar"] = cfg["head_dim"]
    return cfg


def _eos_ids(fields: dict[str, Any], cfg: dict[str, Any]) -> list[int]:
    """Return end-of-turn ids: the declared eos plus <|im_end|>/<end_of_turn>/<|eot_id|> if present."""
    tokens = list(_get(fields, "tokenizer.ggml.tokens"))
    ids = [cfg["eos_token_id"]]
    for extra in ("<|im_end|>", "<end_of_turn>", "<|eot_id|>", "<|endoftext|>"):
        if extra in tokens and tokens.index(extra) not in ids:
            ids.append(tokens.index(extra))
    eot = _get(fields, "tokenizer.ggml.eot_token_id")
    if eot is not None and int(eot) not in ids:
        ids.append(int(eot))
    return ids


def convert_gguf(
    gguf_path: Path, out_dir: Path, identity: dict[str, Any], progress: Progress | None = None
) -> Path:
    """Convert ``gguf_path`` into an mlx-lm folder at ``out_dir`` (atomically); return out_dir.

    ``identity`` (name, source, sha256, ...) is stored in ``forge.json``.
    """
    from gguf import GGUFReader

    from forge.model.gguf_tokenizer import save_tokenizer
    from forge.model.gguf_weights import read_tensors

    try:
        reader = GGUFReader(str(gguf_path))
    except Exception as exc:  # the gguf package raises plain ValueError/struct errors
        raise ModelError(
            f"Cannot read GGUF file {gguf_path}: {exc}.", "Is it a GGUF model?"
        ) from exc
    step = progress or (lambda *_: None)
    fields = reader.fields
    cfg = build_config(fields, {t.name for t in reader.tensors})
    cfg["eos_token_id"] = _eos_ids(fields, cfg)
    step("convert", 0, 3)
    arch = str(_get(fields, "general.architecture"))
    heads = (cfg["num_attention_heads"], cfg["num_key_value_heads"])
    tensors = read_tensors(reader, arch, heads)
    if any(k.endswith(".scales") for k in tensors):
        cfg["quantization"] = {"group_size": 32, "bits": 4, "mode": "affine"}
    step("convert", 1, 3)
    tmp = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    _save_weights(tensors, tmp / "model.safetensors")
    step("convert", 2, 3)
    save_tokenizer(fields, tmp)
    (tmp / "config.json").write_text(json.dumps(cfg, indent=2))
    meta = {**identity, "converter_version": CONVERTER_VERSION, "architecture": arch}
    (tmp / "forge.json").write_text(json.dumps(meta, indent=2))
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)
    step("convert", 3, 3)
    return out_dir


def _save_weights(tensors: dict[str, np.ndarray], path: Path) -> None:
    """Save tensors as safetensors: large dequantized float matrices as float16, the rest as is."""
    from safetensors.numpy import save_file

    out = {}
    for k, v in tensors.items():
        big_float = v.dtype == np.float32 and v.ndim == 2 and not k.endswith((".scales", ".biases"))
        out[k] = np.ascontiguousarray(v.astype(np.float16) if big_float else v)
    save_file(out, str(path), metadata={"format": "mlx"})
