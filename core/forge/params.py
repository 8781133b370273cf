"""Plain settings and results shared by engines and trainers (no MLX import, cheap anywhere)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SamplingParams:
    """Sampling settings: temperature 0 is greedy; top_p is the nucleus mass (within the 64
    most likely tokens); max_tokens caps each completion; seed fixes the random draws."""

    temperature: float = 0.8
    top_p: float = 0.95
    max_tokens: int = 384
    seed: int = 0


@dataclass
class TrainResult:
    """What a training run produced and measured (every trainer returns one)."""

    adapter_dir: Path
    losses: list[tuple[int, float]] = field(default_factory=list)
    tokens_per_s: float = 0.0
    peak_memory_mb: float = 0.0
    seconds: float = 0.0
    iters: int = 0
    truncated: int = 0
    """Examples cut to ``max_seq_len`` tokens (their answers' tails are not trained on)."""
    dropped: int = 0
    """Examples left out because their prompt alone reached ``max_seq_len`` tokens."""
    validation_losses: list[tuple[int, float]] = field(default_factory=list)
    """Validation loss by iteration: before training (0), every ``eval_every``, at the end."""
    best_iter: int | None = None
    """The iteration whose weights the adapter holds: the best validation loss (0 = the
    starting weights), or the last iteration without validation; None: not reported."""
    stopped_early: bool = False
    """True when ``patience`` measurements without a new best ended training before ``iters``."""
    validation_examples: int = 0
    validation_tasks: list[str] = field(default_factory=list)
    """The tasks whose examples were held out for validation (none of them trained on)."""
    validation_seconds: float = 0.0
    """Part of ``seconds`` spent measuring the validation loss."""
    margins: list[tuple[int, float]] = field(default_factory=list)
    """DPO: mean margin per iteration, (policy - reference) log-prob of the chosen answer
    minus that of the rejected one; it grows as the policy prefers the chosen answers."""
    skipped: int = 0
    """Examples the method could not use (DPO: no rejected answer and no SFT term)."""
