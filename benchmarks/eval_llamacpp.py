"""Run ``forge eval`` (or any forge command) with the llama.cpp engine, timed end to end.

A stop-gap until the run session picks engines itself (``--engine llamacpp``): this script
makes ``forge.model.load`` return forge's llama.cpp engine and then runs the ordinary CLI,
so every phase (prompts, stop rule, sandboxed verification, store, report) is forge's own.

    .venv/bin/python benchmarks/eval_llamacpp.py eval --domain code --tasks humaneval \\
        --model qwen2.5-coder-0.5b

``--threads N`` (first argument) sets the engine's threads. Prints the wall time at the end.
"""

from __future__ import annotations

import sys
import time

import forge.model as fm
from forge.cli.main import main
from forge.llamacpp import LlamaCppEngine


def main_with_llamacpp(argv: list[str]) -> None:
    """Patch model loading to the llama.cpp engine and run ``forge ARGV``."""
    threads = None
    if argv[:1] == ["--threads"]:
        threads, argv = int(argv[1]), argv[2:]

    def load(spec=None, adapter=None, progress=None):
        return LlamaCppEngine.load(
            spec or fm.DEFAULT_MODEL, adapter=adapter, progress=progress, threads=threads
        )

    fm.load = load
    start = time.perf_counter()
    try:
        main(argv)
    finally:
        print(f"wall time {time.perf_counter() - start:.1f} s (llama.cpp engine)", flush=True)


if __name__ == "__main__":
    main_with_llamacpp(sys.argv[1:])
