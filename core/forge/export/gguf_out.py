"""Write GGUF files from a base GGUF and a forge adapter: a llama.cpp LoRA, or a fused model.

* :func:`write_lora` writes the adapter alone in llama.cpp's LoRA format (``general.type =
  adapter``, ``adapter.lora.alpha``, tensors ``blk.N.attn_q.weight.lora_a/lora_b``), so the
  llama.cpp engine attaches it to the base model without re-exporting the model.
* :func:`write_fused` writes the whole model with the adapter added into its weights, for
  llama.cpp, ollama or LM Studio; matrices are stored as ``q8_0``, ``f16`` or ``f32``.

Conventions: GGUF stores a ``(out, in)`` weight with shape ``[in, out]``; llama-family GGUFs
store q/k rows permuted for interleaved RoPE, so the adapter's output rows are permuted the
same way (:func:`forge.export.adapter.out_permutation`). llama.cpp scales a LoRA by
``alpha / rank``; forge writes ``alpha = scale * rank`` so the file alone reproduces mlx-lm's
``scale``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType as Q
from gguf import GGUFReader, GGUFValueType, GGUFWriter
from gguf.quants import dequantize, quantize

from forge.errors import ModelError
from forge.export.adapter import Adapter, out_permutation, permute_rows

QUANTS = {"q8_0": Q.Q8_0, "f16": Q.F16, "f32": Q.F32}
Progress = Callable[[str, int, int], None]


def base_info(reader: GGUFReader) -> tuple[str, tuple[int, int]]:
    """Return (architecture, (n_head, n_kv_head)) of a base model GGUF."""

    def get(key: str, default=None):
        f = reader.fields.get(key)
        return default if f is None else f.contents()

    arch = str(get("general.architecture", "?"))
    heads = int(get(f"{arch}.attention.head_count", 0))
    return arch, (heads, int(get(f"{arch}.attention.head_count_kv", heads)))


def _oriented(adapter: Adapter, arch: str, heads: tuple[int, int]):
    """Yield (gguf weight name, a as (rank, in), b as (out, rank)) in llama.cpp's row order."""
    for pair in adapter.pairs:
        a, b = pair.a.T.astype(np.float32), pair.b.T.astype(np.float32)
        n_head = out_permutation(arch, pair.gguf_name, heads)
        yield pair.gguf_name, a, (permute_rows(b, n_head) if n_head else b)


def _check_shapes(adapter: Adapter, reader: GGUFReader) -> None:
    """Raise ModelError unless every adapted layer exists in the base with matching shape."""
    shapes = {t.name: tuple(int(s) for s in t.shape) for t in reader.tensors}
    for pair in adapter.pairs:
        want = (int(pair.a.shape[0]), int(pair.b.shape[1]))  # GGUF shape [in, out]
        if shapes.get(pair.gguf_name) != want:
            raise ModelError(
                f"Adapter {adapter.path} does not fit this base model ({pair.gguf_name}).",
                "Use the base model the adapter was trained on.",
            )


def write_lora(adapter: Adapter, base_gguf: Path, out: Path) -> Path:
    """Write ``adapter`` as a llama.cpp LoRA GGUF for ``base_gguf`` at ``out`` (atomically)."""
    reader = GGUFReader(str(base_gguf))
    arch, heads = base_info(reader)
    _check_shapes(adapter, reader)
    tmp = out.with_name(out.name + ".partial")
    w = GGUFWriter(str(tmp), arch)
    w.add_string("general.type", "adapter")
    w.add_string("adapter.type", "lora")
    w.add_float32("adapter.lora.alpha", float(adapter.scale * adapter.rank))
    for name, a, b in _oriented(adapter, arch, heads):
        w.add_tensor(f"{name}.lora_a", np.ascontiguousarray(a))
        w.add_tensor(f"{name}.lora_b", np.ascontiguousarray(b))
    _finish(w)
    os.replace(tmp, out)
    return out


def _finish(w: GGUFWriter) -> None:
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def _copy_fields(reader: GGUFReader, w: GGUFWriter, name: str | None) -> None:
    """Copy every metadata field of the base (except the writer's own) into ``w``."""
    for key, field in reader.fields.items():
        if key.startswith("GGUF.") or key in ("general.architecture", "general.alignment"):
            continue
        if key == "general.name" and name:
            continue
        vtype = field.types[0]
        sub = field.types[-1] if vtype == GGUFValueType.ARRAY else None
        w.add_key_value(key, field.contents(), vtype, sub_type=sub)
    if name:
        w.add_string("general.name", name)


def _store(w: GGUFWriter, name: str, weight: np.ndarray, qtype: Q) -> None:
    """Add a float32 matrix as ``qtype`` (F16 when its rows do not split into 32-blocks)."""
    if qtype == Q.Q8_0 and weight.shape[-1] % 32:
        qtype = Q.F16
    if qtype == Q.F32:
        w.add_tensor(name, np.ascontiguousarray(weight, dtype=np.float32))
    elif qtype == Q.F16:
        w.add_tensor(name, np.ascontiguousarray(weight, dtype=np.float16))
    else:
        w.add_tensor(name, quantize(weight, qtype), raw_dtype=qtype)


def write_fused(
    base_gguf: Path,
    adapter: Adapter | None,
    out: Path,
    quant: str = "q8_0",
    name: str | None = None,
    progress: Progress | None = None,
) -> Path:
    """Write the base model with ``adapter`` fused in as one GGUF at ``out``; return ``out``.

    Every matrix is dequantized, gets its LoRA delta if adapted, and is stored as ``quant``;
    vectors (norms, biases) stay float32; metadata (tokenizer, chat template) is copied.
    """
    if quant not in QUANTS:
        raise ModelError(f"Unknown quantization '{quant}'.", f"Use one of: {', '.join(QUANTS)}.")
    reader = GGUFReader(str(base_gguf))
    arch, heads = base_info(reader)
    deltas = {}
    if adapter is not None:
        _check_shapes(adapter, reader)
        deltas = {n: (a, b) for n, a, b in _oriented(adapter, arch, heads)}
    scale = np.float32(adapter.scale) if adapter is not None else np.float32(0)
    tmp = out.with_name(out.name + ".partial")
    w = GGUFWriter(str(tmp), arch)
    _copy_fields(reader, w, name)
    step = progress or (lambda *_: None)
    for i, t in enumerate(reader.tensors):
        step("export", i, len(reader.tensors))
        shape = [int(s) for s in reversed(t.shape)]
        weight = np.asarray(dequantize(np.asarray(t.data), t.tensor_type), dtype=np.float32)
        weight = weight.reshape(shape)
        if t.name in deltas:
            a, b = deltas[t.name]
            weight = weight + scale * (b @ a)
        if weight.ndim == 1:
            w.add_tensor(t.name, weight)
        else:
            _store(w, t.name, weight, QUANTS[quant])
    _finish(w)
    os.replace(tmp, out)
    step("export", len(reader.tensors), len(reader.tensors))
    return out
