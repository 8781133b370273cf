"""Run ``forge eval`` / ``forge run`` with the llama.cpp engine generating, timed end to end.

A stop-gap until the run session picks engines itself (``--engine llamacpp``): this script
makes ``forge.model.load`` return forge's llama.cpp engine and then runs the ordinary CLI,
so every phase (prompts, stop rule, sandboxed verification, store, report) is forge's own.
TRAIN still runs on MLX (forge's trainer); generation then continues on llama.cpp with the
new adapter attached.

    .venv/bin/python benchmarks/eval_llamacpp.py eval --domain code --tasks humaneval \\
        --model qwen2.5-coder-0.5b
    .venv/bin/python benchmarks/eval_llamacpp.py run --domain code --quick

``--threads N`` (first argument) sets the engine's threads. Prints the wall time at the end.
"""

from __future__ import annotations

import sys
import time

import forge.model as fm
from forge.cli.main import main
from forge.llamacpp import LlamaCppEngine


class Generating:
    """Generates with the llama.cpp engine; ``train`` trains on MLX and attaches the adapter."""

    def __init__(self, spec: str, adapter, progress, threads: int | None, mlx_load) -> None:
        self.spec, self.mlx_load = spec, mlx_load
        self.engine = LlamaCppEngine.load(spec, adapter=adapter, progress=progress, threads=threads)
        self.identity = self.engine.identity
        self.adapter = adapter

    def generate(self, *args, **kwargs):
        """The llama.cpp engine's ``generate``."""
        return self.engine.generate(*args, **kwargs)

    def train(self, examples, out_dir, **kwargs):
        """Train forge's LoRA on MLX, then generate with it on llama.cpp."""
        lm = self.mlx_load(self.spec, adapter=self.adapter)
        result = lm.train(examples, out_dir, **kwargs)
        self.engine = self.engine.with_adapter(out_dir)
        self.identity = self.engine.identity
        return result


def main_with_llamacpp(argv: list[str]) -> None:
    """Patch model loading to the llama.cpp engine and run ``forge ARGV``."""
    threads = None
    if argv[:1] == ["--threads"]:
        threads, argv = int(argv[1]), argv[2:]
    mlx_load = fm.load

    def load(spec=None, adapter=None, progress=None):
        return Generating(spec or fm.DEFAULT_MODEL, adapter, progress, threads, mlx_load)

    fm.load = load
    start = time.perf_counter()
    try:
        main(argv)
    finally:
        print(f"wall time {time.perf_counter() - start:.1f} s (llama.cpp engine)", flush=True)


if __name__ == "__main__":
    main_with_llamacpp(sys.argv[1:])
