"""Registry models the llama.cpp engine runs requantized (``ModelEntry.llamacpp_weights``)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from forge.errors import ModelError
from forge.model.fetch import sha256_file
from forge.model.registry import REGISTRY, ModelEntry, Part


def _file_type(path) -> str:
    from gguf import GGUFReader

    from forge.llamacpp.source import _file_type

    return _file_type(GGUFReader(str(path)))


def test_requantize_writes_a_loadable_q8_0_that_computes_like_the_source(tiny_f32, tmp_path):
    from forge.llamacpp import LlamaCppEngine, native

    src = tiny_f32["qwen2"]
    out = tmp_path / "w" / "tiny.Q8_0.gguf"
    native.requantize(src, out, "Q8_0")
    assert _file_type(src) == "F32" and _file_type(out) == "Q8_0"
    assert out.stat().st_size < src.stat().st_size / 2  # 8.5 bits per weight instead of 32
    assert not list(out.parent.glob("*.partial"))
    tokens = [5, 40, 41, 42, 43, 44, 45, 46]
    exact = LlamaCppEngine.load(str(src), threads=1).logits(tokens)
    q8 = LlamaCppEngine.load(str(out), threads=1).logits(tokens)
    assert q8.shape == exact.shape
    err = np.abs(q8 - exact)
    assert 0 < err.mean() < 0.02 * exact.std()  # changed, but only by 8-bit rounding
    assert err.max() < 0.1 * exact.std()
    assert (q8.argmax(-1) == exact.argmax(-1)).all()


def test_unknown_weight_type_is_a_one_line_error(tiny_f32, tmp_path) -> None:
    from forge.llamacpp import native

    with pytest.raises(ModelError, match="no weight type 'Q9_9'"):
        native.requantize(tiny_f32["llama"], tmp_path / "x.gguf", "Q9_9")
    assert not list(tmp_path.iterdir())


def test_a_registry_model_runs_requantized_once(tiny_f32, tmp_path, monkeypatch) -> None:
    from forge.llamacpp import LlamaCppEngine, native
    from forge.llamacpp.source import locate

    home = tmp_path / "home"
    monkeypatch.setenv("FORGE_HOME", str(home))
    (home / "downloads").mkdir(parents=True)
    gguf = home / "downloads" / "tiny-q.gguf"
    gguf.write_bytes(tiny_f32["qwen2"].read_bytes())
    entry = ModelEntry(
        name="tiny-q",
        title="tiny (F32)",
        parts=(Part("no-such-a", "1", "a.bin"), Part("no-such-b", "1", "b.bin")),
        sha256=sha256_file(gguf),
        size_bytes=gguf.stat().st_size,
        license="test",
        auto_pull=True,
        llamacpp_weights="Q8_0",
    )
    monkeypatch.setitem(REGISTRY, "tiny-q", entry)
    calls = []
    real = native.requantize
    monkeypatch.setattr(native, "requantize", lambda *a: calls.append(a) or real(*a))

    path, ident = locate("tiny-q")
    assert path.parent == home / "llamacpp" / "weights" and _file_type(path) == "Q8_0"
    assert ident["weights"].startswith("Q8_0") and ident["sha256"] == entry.sha256
    assert locate("tiny-q")[0] == path and len(calls) == 1  # made once, then reused
    engine = LlamaCppEngine.load("tiny-q", threads=1)
    assert "(Q8_0)" in engine.describe()

    # FORGE_LLAMACPP_WEIGHTS overrides the registry: another type, or the original file.
    monkeypatch.setenv("FORGE_LLAMACPP_WEIGHTS", "q4_0")
    q4, ident = locate("tiny-q")
    assert q4.name.endswith(".Q4_0.gguf") and _file_type(q4) == "Q4_0"
    assert ident["weights"].startswith("Q4_0")
    monkeypatch.setenv("FORGE_LLAMACPP_WEIGHTS", "original")
    assert locate("tiny-q") == (gguf, {k: v for k, v in ident.items() if k != "weights"})
    monkeypatch.delenv("FORGE_LLAMACPP_WEIGHTS")

    # Without the field the engine runs the downloaded GGUF as it is.
    monkeypatch.setitem(REGISTRY, "tiny-q", dataclasses.replace(entry, llamacpp_weights=None))
    assert locate("tiny-q")[0] == gguf
    assert "(F32)" in LlamaCppEngine.load("tiny-q", threads=1).describe()
