"""forge's built-in model plugin: the MLX engine (``mlx``) and the trainers (``lora``, ``dpo``).

Registered through the ``forge`` entry point ``mlx``, exactly as a third-party engine or
trainer would be. Importing this module imports no MLX.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from forge.hookspecs import hookimpl


@hookimpl
def register_engines(register: Callable[[Any], None]) -> None:
    """Register the MLX engine (:class:`forge.model.lm.LanguageModel`) as ``mlx``."""
    from forge.model.lm import LanguageModel

    register(LanguageModel)


@hookimpl
def register_trainers(register: Callable[[Any], None]) -> None:
    """Register LoRA training as ``lora`` and DPO as ``dpo`` (:mod:`forge.model.trainer`)."""
    from forge.model.trainer import DpoTrainer, LoraTrainer

    register(LoraTrainer)
    register(DpoTrainer)
