"""The ``lora`` Trainer: supervised LoRA fine-tuning on chosen answers (answer-only loss).

It implements :class:`forge.protocols.Trainer` over :func:`forge.model.train.train_lora`
and loads its own copy of the base model, so the engine that generates is never changed
by training: the session applies the new adapter explicitly with ``engine.with_adapter``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from forge.config import TrainConfig
    from forge.params import TrainResult
    from forge.protocols import TrainProgress
    from forge.types import TrainingExample


class LoraTrainer:
    """LoRA on the prompt -> chosen answer of each example (rejected answers are not used)."""

    name: ClassVar[str] = "lora"

    def __init__(self, model: str, base_adapter: Path | None = None) -> None:
        self.model = model
        self.base_adapter = base_adapter

    @classmethod
    def missing(cls) -> str | None:
        """MLX is a dependency of forge, so LoRA training is always available (None)."""
        return None

    @classmethod
    def create(cls, model: str, base_adapter: Path | None = None) -> LoraTrainer:
        """Return a trainer for ``model`` (the model loads when :meth:`train` runs)."""
        return cls(model, base_adapter)

    def train(
        self,
        examples: Sequence[TrainingExample],
        out_dir: Path,
        config: TrainConfig,
        *,
        seed: int = 0,
        progress: TrainProgress | None = None,
    ) -> TrainResult:
        """Train an adapter on ``examples`` with ``config``'s LoRA settings into ``out_dir``."""
        from forge.model.lm import LanguageModel
        from forge.model.train import train_lora

        lm = LanguageModel.load(self.model, adapter=self.base_adapter)
        return train_lora(
            lm,
            [{"messages": list(e.prompt), "target": e.chosen} for e in examples],
            Path(out_dir),
            rank=config.rank,
            scale=config.scale,
            dropout=config.dropout,
            num_layers=config.num_layers,
            learning_rate=config.learning_rate,
            iters=config.iters,
            batch_size=config.batch_size,
            max_seq_len=config.max_seq_len,
            optimizer=config.optimizer,
            seed=seed,
            progress=progress,
        )
