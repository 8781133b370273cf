"""Fixtures for the model layer: tiny random GGUF models and the real default model.

``import forge.model`` comes first so the optimized BLAS is loaded before MLX. FORGE_HOME is
set by tests/conftest.py to a cache inside the checkout (the real model converts once per
machine); tests that need an empty cache use the ``empty_home`` fixture.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import forge.model as fm
from forge.model.gguf_convert import convert_gguf

from .tiny import write_tiny_gguf


@pytest.fixture
def empty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty FORGE_HOME for this test."""
    home = tmp_path / "home"
    monkeypatch.setenv("FORGE_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random llama GGUF (Q8_0 matrices, permuted q/k rows)."""
    return write_tiny_gguf(tmp_path_factory.mktemp("gguf") / "tiny-llama.gguf", "llama")


@pytest.fixture(scope="session")
def tiny_folder(tiny_gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny llama converted into an mlx-lm folder outside any cache."""
    out = tmp_path_factory.mktemp("converted") / "tiny-llama"
    return convert_gguf(tiny_gguf, out, {"name": "tiny-llama", "source": str(tiny_gguf)})


@pytest.fixture
def tiny_lm(tiny_folder: Path):
    """A freshly loaded tiny model (fresh per test: training changes the model)."""
    return fm.load(str(tiny_folder))


@pytest.fixture(scope="session")
def real_lm():
    """The real default model (SmolLM2-135M-Instruct), converted once per cache."""
    return fm.load()
