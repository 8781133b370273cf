"""The llama.cpp engine on tiny float32 models: same texts as the MLX engine, batching, stops."""

from __future__ import annotations

import pytest

import forge.model as fm
from forge.errors import ModelError
from forge.llamacpp import LlamaCppEngine
from forge.params import SamplingParams
from forge.protocols import Engine

GREEDY = SamplingParams(temperature=0.0, max_tokens=12)
SAMPLED = SamplingParams(temperature=1.5, top_p=0.95, max_tokens=12, seed=3)
PROMPTS = [
    [{"role": "user", "content": "def add(a, b):"}],
    [{"role": "user", "content": "reverse a string please, then return it"}],
    [{"role": "system", "content": "be brief"}, {"role": "user", "content": "x"}],
]


def test_it_is_an_engine_and_describes_itself(tiny_pair) -> None:
    engine, _ = tiny_pair
    assert isinstance(engine, Engine)
    assert engine.identity["engine"] == "llamacpp" and engine.identity["dtype"] == "F32"
    line = engine.describe()
    assert "llama.cpp" in line and "1 threads" in line and "\n" not in line


@pytest.mark.parametrize("arch", ["llama", "qwen2"])
@pytest.mark.parametrize("params", [GREEDY, SAMPLED], ids=["greedy", "sampled"])
def test_texts_equal_the_mlx_engine(arch, params, tiny_f32, tiny_mlx_folders) -> None:
    """Same prompt tokens, same sampler, same per-sequence streams: the same texts."""
    engine = LlamaCppEngine.load(str(tiny_f32[arch]), threads=1, precise=True)
    lm = fm.load(str(tiny_mlx_folders[arch]))
    assert engine.encode_chat(PROMPTS[0]) == lm.encode_chat(PROMPTS[0])
    ours = engine.generate(PROMPTS, n=[2, 1, 3], params=params)
    assert ours == lm.generate(PROMPTS, n=[2, 1, 3], params=params)
    if params is SAMPLED:
        assert len({t for texts in ours for t in texts}) > 3  # samples differ


def test_results_do_not_depend_on_batching_or_slots(tiny_pair, monkeypatch) -> None:
    engine, _ = tiny_pair
    mixed = engine.generate([PROMPTS[2], PROMPTS[1], PROMPTS[0]], n=[2, 5, 4], params=SAMPLED)
    assert engine.generate(PROMPTS[1:2], n=3, params=SAMPLED)[0] == mixed[1][:3]
    monkeypatch.setenv("FORGE_LLAMACPP_SLOTS", "2")  # 11 samples through 2 streams, refilled
    narrow = LlamaCppEngine.load(str(engine._shared.gguf), threads=1, precise=True)
    assert narrow.slots == 2
    assert (
        narrow.generate([PROMPTS[2], PROMPTS[1], PROMPTS[0]], n=[2, 5, 4], params=SAMPLED) == mixed
    )


def test_each_distinct_prompt_is_prefilled_once(tiny_pair, monkeypatch) -> None:
    from forge.llamacpp import native

    engine, _ = tiny_pair
    fed: list[int] = []
    real = native.Context.decode
    monkeypatch.setattr(
        native.Context, "decode", lambda self, rows: fed.append(len(rows)) or real(self, rows)
    )
    a, b = PROMPTS[0], PROMPTS[1]
    params = SamplingParams(temperature=1.0, max_tokens=3)
    engine.generate([a, b, a], n=4, params=params)
    prompt_tokens = len(engine.encode_chat(a)) + len(engine.encode_chat(b))
    decode_tokens = 12 * 2  # 12 samples; the first token comes from the prompt's logits
    assert sum(fed) <= prompt_tokens + decode_tokens


def test_running_rows_hold_consecutive_streams(tiny_pair, monkeypatch) -> None:
    """llama.cpp makes one graph pass per run of consecutive sequence ids, so the scheduler
    must keep its running rows on streams 0..n-1 however rows retire (uneven lengths here)."""
    from forge.llamacpp import schedule

    engine, _ = tiny_pair
    monkeypatch.setenv("FORGE_LLAMACPP_SLOTS", "6")
    narrow = LlamaCppEngine.load(str(engine._shared.gguf), threads=1, precise=True)
    seen: list[list[int]] = []
    real = schedule.Scheduler._decode

    def spy(self, batch, pure):
        seen.append(sorted(self.rows))
        assert [row[2] for row in batch[: len(self.rows)]] == seen[-1]  # decoded in order
        return real(self, batch, pure)

    monkeypatch.setattr(schedule.Scheduler, "_decode", spy)
    params = SamplingParams(temperature=1.5, max_tokens=12, seed=5)
    texts = narrow.generate(PROMPTS, n=[5, 4, 6], params=params, stop=lambda t: len(t) % 7 == 3)
    assert sum(len(t) for t in texts) == 15
    assert any(len(ids) >= 4 for ids in seen) and len({len(ids) for ids in seen}) > 2
    assert all(ids == list(range(len(ids))) for ids in seen), seen


def test_stop_max_tokens_and_progress(tiny_pair) -> None:
    engine, _ = tiny_pair
    seen: list[tuple[int, int]] = []
    decoded: list[list[int]] = []
    real = engine.decode
    engine.decode = lambda ids: decoded.append(list(ids)) or real(ids)  # record every prefix

    def stop(text: str) -> bool:
        return len(text) >= 5

    params = SamplingParams(temperature=1.0, max_tokens=40)
    outs = engine.generate(
        PROMPTS, n=2, params=params, stop=stop, progress=lambda d, t: seen.append((d, t))
    )
    assert all(stop(t) or len(t) < 5 for texts in outs for t in texts)
    stopped = [ids for ids in decoded if stop(real(ids))]
    assert stopped and all(not stop(real(ids[:-1])) for ids in stopped)  # the first point
    assert max(len(ids) for ids in decoded) <= 40
    assert seen[0] == (0, 6) and seen[-1] == (6, 6)
    decoded.clear()
    engine.generate(PROMPTS[:1], n=3, params=SamplingParams(1.0, 0.95, max_tokens=4))
    assert max(len(ids) for ids in decoded) == 4  # the cap ends them
    assert engine.generate(PROMPTS[:2], n=[0, 1], params=GREEDY)[0] == []


def test_end_of_turn_ends_a_sequence(tiny_pair) -> None:
    engine, _ = tiny_pair  # a fresh engine per test: changing its end-of-turn set is local
    engine._shared.eos = set(range(engine._shared.model.n_vocab))
    assert engine.generate(PROMPTS, n=2, params=SAMPLED) == [["", ""]] * 3


def test_n_must_match_prompts(tiny_pair) -> None:
    with pytest.raises(ValueError):
        tiny_pair[0].generate(PROMPTS, n=[1, 2])


def test_bad_specs_are_one_line_model_errors(tmp_path, tiny_mlx_folders) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        LlamaCppEngine.load(str(tmp_path / "nope.gguf"))
    with pytest.raises(ModelError, match="MLX/Hugging Face folder") as err:
        LlamaCppEngine.load(str(tiny_mlx_folders["llama"]))
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a gguf")
    with pytest.raises(ModelError):
        LlamaCppEngine.load(str(bad))
    assert "\n" not in str(err.value)


@pytest.mark.no_llamacpp
def test_missing_and_auto_rank(monkeypatch) -> None:
    import forge.llamacpp.engine as eng

    monkeypatch.setattr(eng.importlib.util, "find_spec", lambda name: None)
    hint = LlamaCppEngine.missing()
    assert hint is not None and "setup.sh --llamacpp" in hint and "\n" not in hint
    assert LlamaCppEngine.auto_rank() == 100  # no MLX GPU: CPU-only host
    monkeypatch.setattr(eng.sys, "platform", "darwin")
    monkeypatch.setattr(eng.platform, "machine", lambda: "arm64")
    assert LlamaCppEngine.auto_rank() == 0  # Apple Silicon keeps MLX
    with pytest.raises(ModelError, match="not installed"):
        LlamaCppEngine.load("smollm2-135m")
