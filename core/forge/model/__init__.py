"""forge's model layer on MLX: registry and GGUF import, batched generation, LoRA training.

Importing this package is cheap and imports no MLX: it only puts an optimized BLAS in place
(Linux CPU) so that MLX, imported lazily by :func:`load` and friends, picks it up.

    import forge.model as fm
    lm = fm.load()                        # default model, pulled and converted on first use
    texts = lm.generate([[{"role": "user", "content": "..."}]], n=8)
    tuned = lm.with_adapter(adapter_dir)  # a new engine with a trained LoRA adapter
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from forge.model.blas import ensure_fast_blas
from forge.model.resolve import DEFAULT_MODEL
from forge.params import SamplingParams, TrainResult

ensure_fast_blas()

if TYPE_CHECKING:
    from forge.model.lm import LanguageModel

__all__ = [
    "DEFAULT_MODEL",
    "LanguageModel",
    "SamplingParams",
    "TrainResult",
    "doctor_info",
    "load",
]


def load(
    spec: str | None = None,
    adapter: str | Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> LanguageModel:
    """Load a model by registry name, mlx-lm/HF folder or .gguf path (None: the default).

    The default model is fetched and converted on first use (``progress(stage, done, total)``
    reports it); ``adapter`` is a LoRA folder to apply. Raises ModelError for a bad spec.
    """
    from forge.model.lm import LanguageModel

    return LanguageModel.load(
        spec or DEFAULT_MODEL, adapter=Path(adapter) if adapter else None, progress=progress
    )


def doctor_info(bench: bool = True) -> dict[str, str]:
    """Return device, MLX version, BLAS in use, measured matmul GFLOP/s and advice if slow.

    ``bench`` False skips the matmul timing.
    """
    from forge.model.device import doctor_info as info

    return info(bench)


def __getattr__(name: str):
    """Import the MLX-backed names lazily, so ``import forge.model`` stays fast."""
    if name == "LanguageModel":
        from forge.model.lm import LanguageModel

        return LanguageModel
    raise AttributeError(f"module 'forge.model' has no attribute {name!r}")
