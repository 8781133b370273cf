"""LanguageModel: forge's MLX engine, a loaded model + tokenizer that generates for a population.

It implements :class:`forge.protocols.Engine` and is registered as ``mlx`` by
:mod:`forge.model.plugin`. Training lives in :mod:`forge.model.trainer` (the ``lora``
Trainer), which loads its own copy of the model, so an engine never changes under its user.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from forge.errors import ModelError
from forge.params import SamplingParams

# MLX is imported inside the functions that use it, so registering this engine (which every
# forge command does when it collects plugins) costs nothing until a model is loaded.


def on_gpu() -> bool:
    """True when MLX's default device is a GPU (Metal on Apple Silicon, or CUDA)."""
    import mlx.core as mx

    return mx.default_device().type == mx.gpu


def _set_precision(model: Any) -> str:
    """GPU: keep quantized weights (float16 elsewhere). CPU: dequantize to float32 (fast BLAS).

    Returns a short description of the weight dtype in use.
    """
    import mlx.core as mx
    import mlx.nn as nn
    from mlx_lm.utils import dequantize_model

    quantized = any(
        isinstance(m, nn.QuantizedLinear | nn.QuantizedEmbedding) for m in model.modules()
    )
    if on_gpu():
        model.set_dtype(mx.float16)
        return "4-bit (float16 activations)" if quantized else "float16"
    if quantized:
        dequantize_model(model)
    model.set_dtype(mx.float32)
    mx.eval(model.parameters())
    return "float32 (dequantized)" if quantized else "float32"


class LanguageModel:
    """A model ready to generate for a population (the MLX engine).

    Build it with :func:`forge.model.load` or :meth:`load`; ``name`` and ``identity``
    describe what was loaded.
    """

    name: ClassVar[str] = "mlx"

    @classmethod
    def missing(cls) -> str | None:
        """MLX is a dependency of forge, so it is always installed (None)."""
        return None

    @classmethod
    def auto_rank(cls) -> int:
        """Prefer MLX on a GPU (Metal, CUDA): 100; on a CPU it is the fallback: 10."""
        return 100 if on_gpu() else 10

    @classmethod
    def load(
        cls,
        model: str,
        *,
        adapter: Path | None = None,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> LanguageModel:
        """Resolve ``model`` (pulling the default model on first use) and load it with ``adapter``."""
        from forge.model.resolve import resolve

        folder, identity = resolve(model, progress)
        return cls(folder, identity, Path(adapter) if adapter else None)

    def __init__(self, folder: Path, identity: dict[str, Any], adapter: Path | None = None):
        from mlx_lm.utils import load_model, load_tokenizer

        try:
            self.model, self.config = load_model(folder)
            self.tokenizer = load_tokenizer(folder, eos_token_ids=self.config.get("eos_token_id"))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"Cannot load model from {folder}: {exc}.", "Re-convert it.") from exc
        self.folder = folder
        self.model_name = str(identity.get("name", folder.name))
        self._base_identity = dict(identity)
        self.identity = {**identity, "dtype": _set_precision(self.model), "adapter": None}
        self.identity["device"] = "gpu" if on_gpu() else "cpu"
        self.identity["engine"] = self.name
        self.adapter_config: dict[str, Any] | None = None
        if adapter is not None:
            self.load_adapter(adapter)

    def load_adapter(self, adapter: str | Path) -> None:
        """Apply the LoRA adapter saved in folder ``adapter`` (adapters.safetensors + config)."""
        path = Path(adapter)
        if (
            not (path / "adapter_config.json").is_file()
            or not (path / "adapters.safetensors").is_file()
        ):
            raise ModelError(
                f"Adapter folder '{path}' is missing adapter_config.json or adapters.safetensors.",
                "Pass the folder a training run wrote.",
            )
        if self.adapter_config is not None:
            raise ModelError("An adapter is already loaded.", "Load the base model again first.")
        from mlx_lm.tuner.utils import load_adapters

        self.model = load_adapters(self.model, str(path))
        self.model.eval()
        self.adapter_config = json.loads((path / "adapter_config.json").read_text())
        self.identity["adapter"] = str(path.resolve())

    def with_adapter(self, adapter: Path | None) -> LanguageModel:
        """Return a fresh engine on the same base model with ``adapter`` (None: the base model).

        The base weights are reloaded from the model folder, so this engine is left as it was.
        """
        return LanguageModel(self.folder, self._base_identity, Path(adapter) if adapter else None)

    def describe(self) -> str:
        """Return e.g. ``mlx: smollm2-135m, float32 (dequantized) on cpu``."""
        adapter = f", adapter {self.identity['adapter']}" if self.identity.get("adapter") else ""
        return (
            f"{self.name}: {self.model_name}, {self.identity['dtype']} on "
            f"{self.identity['device']}{adapter}"
        )

    @property
    def eos_ids(self) -> set[int]:
        """Token ids that end an answer (end-of-turn and end-of-text)."""
        return set(self.tokenizer.eos_token_ids)

    def encode_chat(self, messages: list[dict], add_generation_prompt: bool = True) -> list[int]:
        """Token ids of ``messages`` rendered with the chat template (or plain text without one)."""
        tok = self.tokenizer
        if getattr(tok, "chat_template", None):
            ids = tok.apply_chat_template(
                messages, add_generation_prompt=add_generation_prompt, tokenize=True
            )
            return list(ids["input_ids"] if isinstance(ids, dict) else ids)
        text = "\n\n".join(m["content"] for m in messages) + "\n"
        return list(tok.encode(text))

    def decode(self, ids: list[int]) -> str:
        """Text of token ids, special tokens dropped."""
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    def generate(
        self,
        prompts: Sequence[Sequence[dict]],
        n: int | Sequence[int] = 1,
        params: SamplingParams | None = None,
        stop: Callable[[str], bool] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[list[str]]:
        """Return, for each chat prompt, ``n`` assistant completions (all decoded as one batch).

        ``n`` is one count for all prompts or one per prompt; ``stop(text_so_far)`` True ends a
        sequence keeping its text; ``progress(done, total)`` is called as sequences finish.
        """
        counts = [n] * len(prompts) if isinstance(n, int) else list(n)
        if len(counts) != len(prompts):
            raise ValueError("n must be an int or have one count per prompt")
        from forge.model.generate import generate_batch

        params = params or SamplingParams()
        token_prompts = [self.encode_chat(list(p)) for p in prompts]
        self.model.eval()
        return generate_batch(
            self.model,
            token_prompts,
            counts,
            params,
            self.eos_ids,
            self.decode,
            stop=stop,
            progress=progress,
        )
