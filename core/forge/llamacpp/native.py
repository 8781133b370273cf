"""A thin layer over llama-cpp-python's low-level (ctypes) API: model, context, batch.

Only what the engine needs: load a GGUF, make a context with one KV stream per sequence,
decode a batch of (token, position, sequence, wants-logits) rows, read the logits, copy and
drop sequences, attach LoRA adapters. Importing this module imports ``llama_cpp``.

Before the library is first loaded, ``OMP_WAIT_POLICY=passive`` is put in the environment
(unless the user set it): OpenMP worker threads then sleep between graph computations
instead of spinning, which matters when sandboxed verification runs on the other cores.
"""

from __future__ import annotations

import ctypes
import os
import weakref
from collections.abc import Sequence
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import llama_cpp as ll  # noqa: E402  (the environment above must be set first)

from forge.errors import ModelError  # noqa: E402

_READY = False


@ll.llama_log_callback
def _quiet(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
    """llama.cpp log sink: drop everything (errors surface as return codes)."""


def _init() -> None:
    """Initialise the llama.cpp backend once per process, with its logging silenced."""
    global _READY
    if not _READY:
        ll.llama_log_set(_quiet, ctypes.c_void_p(0))
        ll.llama_backend_init()
        _READY = True


def system_info() -> str:
    """The CPU features llama.cpp was built with (e.g. 'AVX2 = 1 | ...')."""
    return ll.llama_print_system_info().decode(errors="replace").strip()


def requantize(src: Path, dst: Path, kind: str, threads: int = 0) -> None:
    """Write ``src``'s weights requantized to ``kind`` (e.g. 'Q8_0') to ``dst`` atomically.

    Called once per model by :func:`forge.llamacpp.source.locate` for registry models that
    run faster in another weight type; ``threads`` 0 lets llama.cpp use every core.
    Raises ModelError when llama.cpp cannot read ``src`` or does not know ``kind``.
    """
    _init()
    ftype = getattr(ll, f"LLAMA_FTYPE_MOSTLY_{kind.upper()}", None)
    if ftype is None:
        raise ModelError(f"llama.cpp has no weight type '{kind}'.", "Use e.g. Q8_0 or Q4_0.")
    params = ll.llama_model_quantize_default_params()
    params.ftype = ftype
    params.allow_requantize = True  # the source is already quantized
    params.nthread = threads
    tmp = dst.with_name(f"{dst.name}.{os.getpid()}.partial")  # two processes may race
    dst.parent.mkdir(parents=True, exist_ok=True)
    rc = ll.llama_model_quantize(str(src).encode(), str(tmp).encode(), ctypes.byref(params))
    if rc != 0 or not tmp.is_file():
        tmp.unlink(missing_ok=True)
        raise ModelError(
            f"llama.cpp could not requantize {src} to {kind} (code {rc}).",
            "Is the disk full? Delete FORGE_HOME/llamacpp/weights and try again.",
        )
    tmp.replace(dst)


class Model:
    """A GGUF model loaded into memory (mmap), shared by every context made from it.

    Freeing the model frees its contexts first (and llama.cpp frees its adapters), whatever
    order Python's garbage collector finalises them in.
    """

    def __init__(self, path: Path) -> None:
        _init()
        self.contexts: weakref.WeakSet[Context] = weakref.WeakSet()
        params = ll.llama_model_default_params()
        params.n_gpu_layers = 0
        self.ptr = ll.llama_model_load_from_file(str(path).encode(), params)
        if not self.ptr:
            raise ModelError(f"llama.cpp could not load {path}.", "Is it a llama.cpp GGUF model?")
        self.path = path
        self.vocab = ll.llama_model_get_vocab(self.ptr)
        self.n_vocab = int(ll.llama_vocab_n_tokens(self.vocab))

    def is_eog(self, token: int) -> bool:
        """True for end-of-generation tokens (end of turn, end of text)."""
        return bool(ll.llama_vocab_is_eog(self.vocab, token))

    def __del__(self) -> None:
        if getattr(self, "ptr", None):
            for ctx in list(self.contexts):
                ctx.free()
            ll.llama_model_free(self.ptr)  # also frees the adapters loaded for it
            self.ptr = None


class Adapter:
    """A LoRA adapter in llama.cpp's GGUF format, loaded for one model (freed with it)."""

    def __init__(self, model: Model, path: Path) -> None:
        self.model = model  # keeps the model alive as long as the adapter
        self.ptr = ll.llama_adapter_lora_init(model.ptr, str(path).encode())
        if not self.ptr:
            raise ModelError(
                f"llama.cpp could not load the LoRA adapter {path}.",
                "Was it written for this base model?",
            )


class Context:
    """A decoding context: ``seqs`` KV streams of ``seq_len`` cells each, ``threads`` threads.

    ``precise`` keeps the KV cache in float32 and turns flash attention off, so float32
    weights give the same logits as a float32 reference (tests); the default is llama.cpp's
    float16 KV cache with flash attention (logits differ by ~1e-3 relative).
    """

    def __init__(
        self,
        model: Model,
        seqs: int,
        seq_len: int,
        threads: int,
        batch: int = 512,
        precise: bool = False,
    ):
        p = ll.llama_context_default_params()
        p.n_seq_max = seqs
        p.n_ctx = seqs * seq_len
        p.n_batch = p.n_ubatch = batch
        p.n_threads = p.n_threads_batch = threads
        p.kv_unified = False  # one stream per sequence: attention over its own cells only
        p.no_perf = True
        if precise:
            p.type_k = p.type_v = 0  # GGML_TYPE_F32
            p.flash_attn_type = 0  # LLAMA_FLASH_ATTN_TYPE_DISABLED
        self.model, self.seqs, self.batch_size = model, seqs, batch
        self.ptr = ll.llama_init_from_model(model.ptr, p)
        if not self.ptr:
            raise ModelError(
                f"llama.cpp could not create a context of {seqs} x {seq_len} tokens.",
                "Lower max_tokens or the number of samples.",
            )
        self.seq_len = int(ll.llama_n_ctx_seq(self.ptr))
        self.memory = ll.llama_get_memory(self.ptr)
        self._batch = ll.llama_batch_init(batch, 0, 1)
        self.adapter: Adapter | None = None
        model.contexts.add(self)

    def set_threads(self, threads: int) -> None:
        """Use ``threads`` threads for the following decodes."""
        ll.llama_set_n_threads(self.ptr, threads, threads)

    def set_adapter(self, adapter: Adapter | None, scale: float = 1.0) -> None:
        """Generate with ``adapter`` (None: the base model) from the next decode on."""
        if adapter is self.adapter:
            return
        if adapter is None:
            rc = ll.llama_set_adapters_lora(self.ptr, None, 0, None)
        else:
            arr = (ll.llama_adapter_lora_p_ctypes * 1)(adapter.ptr)
            rc = ll.llama_set_adapters_lora(self.ptr, arr, 1, (ctypes.c_float * 1)(scale))
        if rc != 0:
            raise ModelError("llama.cpp could not attach the LoRA adapter.", "Re-export it.")
        self.adapter = adapter

    def decode(self, rows: Sequence[tuple[int, int, int, bool]]) -> np.ndarray:
        """Decode ``(token, position, sequence, logits?)`` rows; return the requested logits.

        At most ``batch_size`` rows. The result has one row of ``n_vocab`` float32 per row
        that asked for logits, in order.
        """
        b, n = self._batch, len(rows)
        for i, (tok, pos, seq, want) in enumerate(rows):
            b.token[i], b.pos[i], b.n_seq_id[i] = tok, pos, 1
            b.seq_id[i][0] = seq
            b.logits[i] = want
        b.n_tokens = n
        rc = ll.llama_decode(self.ptr, b)
        if rc != 0:
            raise ModelError(f"llama.cpp decode failed (code {rc}).", "Lower max_tokens.")
        wanted = sum(1 for r in rows if r[3])
        if not wanted:
            return np.empty((0, self.model.n_vocab), dtype=np.float32)
        ptr = ll.llama_get_logits(self.ptr)
        return np.ctypeslib.as_array(ptr, shape=(wanted, self.model.n_vocab)).copy()

    def copy_seq(self, src: int, dst: int) -> None:
        """Give sequence ``dst`` the whole KV content of ``src`` (a shared prompt)."""
        ll.llama_memory_seq_cp(self.memory, src, dst, -1, -1)

    def drop_seq(self, seq: int) -> None:
        """Forget everything sequence ``seq`` holds, freeing its stream."""
        ll.llama_memory_seq_rm(self.memory, seq, -1, -1)

    def clear(self) -> None:
        """Forget every sequence."""
        ll.llama_memory_clear(self.memory, True)

    def free(self) -> None:
        """Release the context and its KV cache (safe to call twice)."""
        if getattr(self, "ptr", None):
            ll.llama_batch_free(self._batch)
            ll.llama_free(self.ptr)
            self.ptr = None

    def __del__(self) -> None:
        self.free()
