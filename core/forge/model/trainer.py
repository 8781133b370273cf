"""The ``lora`` and ``dpo`` Trainers: LoRA adapters by supervised or preference training.

Both implement :class:`forge.protocols.Trainer`, hold out whole tasks for validation
(:func:`forge.valsplit.split_by_task`, ``train.validation_fraction``) and load their own
copy of the base model, so the engine that generates is never changed by training: the
session applies the new adapter explicitly with ``engine.with_adapter``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from forge.valsplit import split_by_task

if TYPE_CHECKING:
    from forge.config import TrainConfig
    from forge.params import TrainResult
    from forge.protocols import TrainProgress
    from forge.types import TrainingExample


def lora_settings(config: TrainConfig) -> dict[str, Any]:
    """Return the keyword arguments ``train_lora`` and ``train_dpo`` share, from ``config``."""
    keys = ("rank", "scale", "dropout", "num_layers", "learning_rate", "iters", "batch_size")
    more = ("max_seq_len", "optimizer", "eval_every", "patience")
    return {k: getattr(config, k) for k in (*keys, *more)}


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
        """Train an adapter on ``examples`` with ``config``'s settings into ``out_dir``.

        The examples of ``validation_fraction`` of the tasks (seeded by ``seed``) are held
        out: training stops early on their loss and the adapter kept is the best one.
        """
        train, val, tasks = split_by_task(examples, config.validation_fraction, seed)
        self.check(examples, train, tasks)
        result = self._fit(train, val, Path(out_dir), config, seed, progress)
        result.validation_tasks = tasks
        return result

    def check(
        self,
        examples: Sequence[TrainingExample],
        train: Sequence[TrainingExample],
        held_out: Sequence[str],
    ) -> None:
        """Raise a one-line error, before the model loads, if the examples cannot train.

        ``train`` is what is left of ``examples`` once the ``held_out`` tasks validate.
        """

    def _fit(self, train, val, out_dir: Path, config: TrainConfig, seed: int, progress):
        from forge.model.lm import LanguageModel
        from forge.model.train import train_lora

        lm = LanguageModel.load(self.model, adapter=self.base_adapter)
        return train_lora(
            lm,
            [_sft(e) for e in train],
            out_dir,
            validation=[_sft(e) for e in val],
            seed=seed,
            progress=progress,
            **lora_settings(config),
        )


class DpoTrainer(LoraTrainer):
    """DPO on chosen/rejected pairs, LoRA policy against the frozen starting model.

    Examples without a rejected answer get the SFT term only (``dpo_sft_weight``), or are
    skipped when it is 0.
    """

    name: ClassVar[str] = "dpo"

    def check(
        self,
        examples: Sequence[TrainingExample],
        train: Sequence[TrainingExample],
        held_out: Sequence[str],
    ) -> None:
        """Refuse (one line) examples, or a training side, with no rejected answer at all."""
        from forge.errors import UsageError

        if not any(e.rejected is not None for e in examples):
            raise UsageError(
                f"train.method dpo needs chosen/rejected pairs, but none of the "
                f"{len(examples)} training examples has a rejected answer.",
                "Use train.method: lora, or examples with a 'rejected' answer "
                "(repair pairs have one).",
            )
        if not any(e.rejected is not None for e in train):
            raise UsageError(
                f"train.method dpo: every chosen/rejected pair belongs to the {len(held_out)} "
                "tasks held out for validation, so none is left to train on.",
                "Lower train.validation_fraction (0 = no validation).",
            )

    def _fit(self, train, val, out_dir: Path, config: TrainConfig, seed: int, progress):
        from forge.model.dpo import train_dpo
        from forge.model.lm import LanguageModel

        lm = LanguageModel.load(self.model, adapter=self.base_adapter)
        return train_dpo(
            lm,
            [_pair(e) for e in train],
            out_dir,
            validation=[_pair(e) for e in val],
            beta=config.dpo_beta,
            sft_weight=config.dpo_sft_weight,
            seed=seed,
            progress=progress,
            **lora_settings(config),
        )


def _sft(e: TrainingExample) -> dict[str, Any]:
    return {"messages": list(e.prompt), "target": e.chosen}


def _pair(e: TrainingExample) -> dict[str, Any]:
    return {"messages": list(e.prompt), "chosen": e.chosen, "rejected": e.rejected}
