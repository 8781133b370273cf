"""LoRA adapters from forge's trainer on the llama.cpp engine: same texts as the MLX engine."""

from __future__ import annotations

import pytest

import forge.model as fm
from forge.errors import ModelError
from forge.llamacpp import LlamaCppEngine
from forge.model.train import train_lora
from forge.params import SamplingParams

from ..model.lora_helpers import random_adapter

GREEDY = SamplingParams(temperature=0.0, max_tokens=12)
SAMPLED = SamplingParams(temperature=1.5, top_p=0.95, max_tokens=12, seed=1)
PROMPTS = [
    [{"role": "user", "content": "def add(a, b):"}],
    [{"role": "user", "content": "reverse a string please, then return it"}],
]
EXAMPLE = {"messages": PROMPTS[0], "target": "return a + b"}


@pytest.mark.parametrize("arch", ["llama", "qwen2"])
def test_random_adapter_gives_the_mlx_engines_texts(arch, tiny_f32, tiny_mlx_folders, tmp_path):
    """Large random LoRA weights on every layer (llama: q/k rows permuted for GGUF)."""
    lm = fm.load(str(tiny_mlx_folders[arch]))
    adapter = random_adapter(fm.load(str(tiny_mlx_folders[arch])), tmp_path / "adapter")
    lm.load_adapter(adapter)
    base = LlamaCppEngine.load(str(tiny_f32[arch]), threads=1, precise=True)
    tuned = base.with_adapter(adapter)
    for params in (GREEDY, SAMPLED):
        ours = tuned.generate(PROMPTS, n=3, params=params)
        assert ours == lm.generate(PROMPTS, n=3, params=params)
        assert ours != base.generate(PROMPTS, n=3, params=params)  # the adapter matters
    assert tuned.identity["adapter"] == str(adapter.resolve())
    assert base.identity["adapter"] is None and "adapter" in tuned.describe()


def test_trained_adapter_round_trip_and_base_is_unchanged(tiny_f32, tiny_mlx_folders, tmp_path):
    lm = fm.load(str(tiny_mlx_folders["llama"]))
    out = tmp_path / "trained"
    train_lora(lm, [EXAMPLE] * 4, out, rank=4, learning_rate=1e-2, iters=12, batch_size=2)
    base = LlamaCppEngine.load(str(tiny_f32["llama"]), threads=1, precise=True)
    before = base.generate(PROMPTS, n=2, params=GREEDY)
    tuned = base.with_adapter(out)
    assert tuned.generate(PROMPTS, n=2, params=GREEDY) == lm.generate(PROMPTS, n=2, params=GREEDY)
    assert tuned.generate(PROMPTS, n=2, params=GREEDY) != before  # training changed it
    assert base.generate(PROMPTS, n=2, params=GREEDY) == before  # with_adapter left it alone
    assert tuned.with_adapter(None).generate(PROMPTS, n=2, params=GREEDY) == before
    again = LlamaCppEngine.load(str(tiny_f32["llama"]), adapter=out, threads=1, precise=True)
    assert again.generate(PROMPTS, n=2, params=GREEDY) == tuned.generate(
        PROMPTS, n=2, params=GREEDY
    )


def test_adapter_errors_are_one_line(tiny_f32, tmp_path):
    from forge.model.gguf_convert import convert_gguf

    from ..model.tiny import write_tiny_gguf

    base = LlamaCppEngine.load(str(tiny_f32["llama"]), threads=1, precise=True)
    with pytest.raises(ModelError, match="no trained adapter"):
        base.with_adapter(tmp_path)
    gemma = convert_gguf(write_tiny_gguf(tmp_path / "g.gguf", "gemma3"), tmp_path / "g", {})
    other = random_adapter(fm.load(str(gemma)), tmp_path / "gemma-adapter")
    with pytest.raises(ModelError, match="does not fit this base model") as err:
        base.with_adapter(other)
    assert "\n" not in str(err.value)
