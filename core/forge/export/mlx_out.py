"""Write the base model with a forge adapter fused in as an mlx-lm folder (float16 weights).

Like ``mlx_lm.fuse --dequantize``: every LoRA layer is folded into its weight, quantized
layers are dequantized (re-quantizing to 4 bits would round most of a small LoRA change
away), and the folder gets the base's tokenizer files and a ``forge.json`` saying where it
came from. ``mlx_lm.load(folder)`` and ``--model folder`` both open it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from forge.errors import ModelError

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def write_mlx(base_folder: Path, adapter: Path, out: Path, identity: dict[str, Any]) -> Path:
    """Fuse ``adapter`` into the mlx-lm model in ``base_folder``; write it to ``out``."""
    from forge.model.blas import ensure_fast_blas

    ensure_fast_blas()  # before MLX loads
    import mlx.core as mx
    from mlx.utils import tree_unflatten
    from mlx_lm.tuner.utils import load_adapters
    from mlx_lm.utils import dequantize_model, load_model, save_config, save_model

    if out.exists() and any(out.iterdir()):
        raise ModelError(f"'{out}' exists and is not empty.", "Choose a new folder for --mlx.")
    model, config = load_model(base_folder)
    model = load_adapters(model, str(adapter))
    fused = [(n, m.fuse(dequantize=True)) for n, m in model.named_modules() if hasattr(m, "fuse")]
    model.update_modules(tree_unflatten(fused))
    model = dequantize_model(model)
    model.set_dtype(mx.float16)
    config.pop("quantization", None)
    config.pop("quantization_config", None)
    out.mkdir(parents=True, exist_ok=True)
    save_model(out, model)
    save_config(config, config_path=out / "config.json")
    for name in TOKENIZER_FILES:
        if (base_folder / name).is_file():
            shutil.copy(base_folder / name, out / name)
    (out / "forge.json").write_text(json.dumps(identity, indent=2))
    return out
