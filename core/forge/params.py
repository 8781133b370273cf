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
    """What a LoRA training run produced and measured."""

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
