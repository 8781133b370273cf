"""LlamaCppEngine: forge's Engine (forge.protocols) on llama.cpp, for CPU-only hosts.

It runs the model's GGUF as is (Q4_1, Q4_K_M, ... no float32 copy), decodes the whole
population in one continuously refilled batch (:mod:`forge.llamacpp.schedule`) and samples
with the shared sampler, so texts follow the same rules and seeds as the MLX engine.
LoRA adapters from forge's trainer are converted once into llama.cpp's GGUF LoRA format
(cached under ``FORGE_HOME/llamacpp/adapters``) and attached, never fused.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import platform
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from forge.errors import ModelError
from forge.llamacpp.threads import ThreadTuner
from forge.params import SamplingParams
from forge.protocols import GenerateProgress, ModelProgress
from forge.types import Message

INSTALL_HINT = (
    "Install the llama.cpp engine with `./scripts/setup.sh --llamacpp` "
    "(or `pip install 'forge[llamacpp]'`; it compiles llama.cpp, 2-5 minutes)."
)
SLOTS_ENV, THREADS_ENV = "FORGE_LLAMACPP_SLOTS", "FORGE_LLAMACPP_THREADS"
TUNE_ENV = "FORGE_LLAMACPP_TUNE"
DEFAULT_SLOTS = 32


def available_cores() -> int:
    """The number of CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS has no sched_getaffinity
        return os.cpu_count() or 1


def _env_int(name: str, default: int) -> int:
    """A positive integer from the environment, else ``default``."""
    try:
        return max(1, int(os.environ[name]))
    except (KeyError, ValueError):
        return default


class LlamaCppEngine:
    """Generates with a GGUF model on llama.cpp's CPU backend (see the module docstring)."""

    name: ClassVar[str] = "llamacpp"

    def __init__(self, shared: _Loaded, adapter: Path | None = None, threads: int | None = None):
        self._shared = shared
        self.threads = threads or _env_int(THREADS_ENV, available_cores())
        self.slots = _env_int(SLOTS_ENV, DEFAULT_SLOTS)
        self.tuner = ThreadTuner(self.threads, tune=os.environ.get(TUNE_ENV, "1") != "0")
        self.adapter = adapter
        self._lora = shared.adapter(adapter) if adapter is not None else None
        self.identity: dict[str, Any] = {
            **shared.identity,
            "engine": self.name,
            "dtype": shared.dtype,
            "device": "cpu",
            "adapter": str(adapter.resolve()) if adapter is not None else None,
        }

    @classmethod
    def missing(cls) -> str | None:
        """None when llama-cpp-python is installed, else one line saying how to install it."""
        return None if importlib.util.find_spec("llama_cpp") is not None else INSTALL_HINT

    @classmethod
    def auto_rank(cls) -> int:
        """100 on a CPU-only host; 0 where MLX has a GPU (Apple Silicon/Metal, CUDA)."""
        if sys.platform == "darwin" and platform.machine() == "arm64":
            return 0
        return 0 if _mlx_has_gpu() else 100

    @classmethod
    def load(
        cls,
        model: str,
        *,
        adapter: Path | None = None,
        progress: ModelProgress | None = None,
        threads: int | None = None,
        precise: bool = False,
    ) -> LlamaCppEngine:
        """Load ``model`` (registry name, imported name or .gguf) with ``adapter``.

        ``threads`` is the number of cores the engine owns (default: ``FORGE_LLAMACPP_THREADS``,
        else every core this process may use); ``precise`` computes attention in float32
        (see :class:`forge.llamacpp.native.Context`; for tests). Raises ModelError with a
        one-line hint.
        """
        if (hint := cls.missing()) is not None:
            raise ModelError("llama-cpp-python is not installed.", hint)
        from forge.llamacpp.source import locate

        gguf, identity = locate(model, progress)
        return cls(_Loaded(gguf, identity, precise), Path(adapter) if adapter else None, threads)

    def with_adapter(self, adapter: Path | None) -> LlamaCppEngine:
        """Return an engine on the same loaded weights generating with ``adapter``."""
        return LlamaCppEngine(self._shared, Path(adapter) if adapter else None, self.threads)

    def logits(self, tokens: Sequence[int]) -> np.ndarray:
        """Next-token logits (len(tokens), vocab) of one token sequence (tests, diagnostics)."""
        ctx = self._shared.context(2, len(tokens) + 1)
        ctx.set_threads(self.threads)
        ctx.set_adapter(self._lora)
        rows = [(t, i, 0, True) for i, t in enumerate(tokens)]
        step = ctx.batch_size
        try:
            return np.concatenate(
                [ctx.decode(rows[i : i + step]) for i in range(0, len(rows), step)]
            )
        finally:
            ctx.clear()

    def describe(self) -> str:
        """One line: engine, model, weights, threads, adapter."""
        extra = f", adapter {self.adapter}" if self.adapter is not None else ""
        return (
            f"llama.cpp ({self._shared.features}) · {self.identity.get('name')} "
            f"({self._shared.dtype}) · cpu, {self.tuner.describe()}{extra}"
        )

    # -- generation ------------------------------------------------------------------------
    def encode_chat(self, messages: Sequence[Message]) -> list[int]:
        """Token ids of ``messages`` rendered with the chat template, ready for the answer."""
        return self._shared.encode_chat(messages)

    def decode(self, ids: list[int]) -> str:
        """Text of token ids, special tokens dropped."""
        return str(self._shared.tokenizer.decode(ids, skip_special_tokens=True))

    def generate(
        self,
        prompts: Sequence[Sequence[Message]],
        n: int | Sequence[int] = 1,
        params: SamplingParams | None = None,
        stop: Callable[[str], bool] | None = None,
        progress: GenerateProgress | None = None,
    ) -> list[list[str]]:
        """Return ``n`` (one count, or one per prompt) completions for each chat prompt."""
        from forge.llamacpp.schedule import Scheduler

        params = params or SamplingParams()
        counts = [n] * len(prompts) if isinstance(n, int) else list(n)
        if len(counts) != len(prompts):
            raise ValueError("n must be an int or have one count per prompt")
        tokens = [self.encode_chat(p) for p in prompts]
        if not tokens or not sum(counts):
            return [[""] * c for c in counts]
        longest = max(len(t) for t, c in zip(tokens, counts, strict=True) if c)
        ctx = self._shared.context(min(self.slots, sum(counts)) + 1, longest + params.max_tokens)
        ctx.set_adapter(self._lora)
        eos = self._shared.eos
        report = progress or (lambda *_: None)
        run = Scheduler(ctx, params, eos, self.decode, stop, report, self.tuner)
        return run.run(tokens, counts)


def _mlx_has_gpu() -> bool:
    """True when MLX is installed and its default device is a GPU (e.g. mlx[cuda])."""
    if importlib.util.find_spec("mlx") is None:
        return False
    try:
        import mlx.core as mx

        import forge.model  # noqa: F401  (puts the fast BLAS in place before MLX loads)

        return mx.default_device().type == mx.gpu
    except Exception:  # a broken MLX install must not break engine selection
        return False


class _Loaded:
    """What engines on one model share: the GGUF weights, tokenizer, contexts, adapters."""

    def __init__(self, gguf: Path, identity: dict[str, Any], precise: bool = False) -> None:
        from transformers import AutoTokenizer

        from forge.llamacpp import native
        from forge.llamacpp.source import tokenizer_dir

        folder, meta = tokenizer_dir(gguf, identity)
        self.gguf, self.identity = gguf, dict(identity)
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self.eos = set(meta["eos"])
        self.model = native.Model(gguf)
        self.features = _features(native.system_info())
        self.dtype = meta["file_type"]
        self.precise = precise
        self._ctx: Any = None
        self._adapters: dict[Path, Any] = {}

    def encode_chat(self, messages: Sequence[Message]) -> list[int]:
        """Chat-template token ids (plain text joined by blank lines without a template)."""
        tok, msgs = self.tokenizer, [dict(m) for m in messages]
        if getattr(tok, "chat_template", None):
            ids: Any = tok.apply_chat_template(msgs, add_generation_prompt=True, tokenize=True)
            return [int(t) for t in (ids["input_ids"] if hasattr(ids, "keys") else ids)]
        return list(tok.encode("\n\n".join(m["content"] for m in msgs) + "\n"))

    def context(self, seqs: int, seq_len: int):
        """A context with at least ``seqs`` streams of ``seq_len`` cells (reused when big enough)."""
        from forge.llamacpp import native

        ctx = self._ctx
        if ctx is None or ctx.seqs < seqs or ctx.seq_len < seq_len:
            self._ctx = None  # free the old KV cache before allocating the new one
            seqs = max(seqs, ctx.seqs if ctx else 0)
            self._ctx = native.Context(
                self.model, max(2, seqs), seq_len, threads=1, precise=self.precise
            )
        return self._ctx

    def adapter(self, path: Path):
        """The llama.cpp LoRA for forge adapter folder ``path`` (converted once, cached)."""
        from forge.llamacpp import native

        key = path.resolve()
        if key not in self._adapters:
            self._adapters[key] = native.Adapter(self.model, _lora_file(path, self.gguf))
        return self._adapters[key]


def _lora_file(adapter: Path, base: Path) -> Path:
    """Path of the llama.cpp LoRA GGUF of ``adapter`` for ``base``, written if missing."""
    from forge.export.adapter import read_adapter
    from forge.export.gguf_out import write_lora
    from forge.model.registry import forge_home

    h = hashlib.sha256(str(base.resolve()).encode())
    for name in ("adapter_config.json", "adapters.safetensors"):
        f = adapter / name
        if not f.is_file():
            read_adapter(adapter)  # raises the one-line error for a folder without an adapter
        h.update(f.read_bytes())
    out = forge_home() / "llamacpp" / "adapters" / f"{h.hexdigest()[:20]}.gguf"
    if not out.is_file():
        out.parent.mkdir(parents=True, exist_ok=True)
        write_lora(read_adapter(adapter), base, out)
    return out


def _features(info: str) -> str:
    """The SIMD level from llama.cpp's system info, e.g. 'AVX2' or 'NEON'."""
    on = {p.split("=")[0].strip() for p in info.replace("CPU :", "").split("|") if "= 1" in p}
    for level in ("AVX512", "AVX2", "AVX", "NEON", "SSE3"):
        if level in on:
            return level
    return "CPU"
