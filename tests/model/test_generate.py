"""Population generation on a tiny random model: batching, prefix sharing, stop, determinism."""

from __future__ import annotations

import pytest

import forge.model as fm
from forge.model.generate import _common_prefix

GREEDY = fm.SamplingParams(temperature=0.0, max_tokens=10)
PROMPTS = [
    [{"role": "user", "content": "def add(a, b):"}],
    [{"role": "user", "content": "reverse a string please, then return it"}],
    [{"role": "system", "content": "be brief"}, {"role": "user", "content": "x"}],
]


def _stock_greedy(lm, messages, max_tokens: int) -> str:
    """mlx-lm's own single-sequence greedy generation, the reference for batched decoding."""
    from mlx_lm import stream_generate

    ids = lm.encode_chat(messages)
    out = []
    for r in stream_generate(lm.model, lm.tokenizer, ids, max_tokens=max_tokens):
        if r.token in lm.eos_ids:
            break
        out.append(r.token)
    return lm.decode(out)


def test_greedy_batch_equals_single_sequence_generation(tiny_lm) -> None:
    outs = tiny_lm.generate(PROMPTS, n=[2, 1, 3], params=GREEDY)
    assert [len(o) for o in outs] == [2, 1, 3]
    for messages, texts in zip(PROMPTS, outs, strict=True):
        expected = _stock_greedy(tiny_lm, messages, GREEDY.max_tokens)
        assert texts == [expected] * len(texts)


def test_sliding_window_model_batches_like_single_sequences(tmp_path) -> None:
    """Gemma 3 uses rotating KV caches for its sliding-window layers; batching must still agree."""
    from forge.model.gguf_convert import convert_gguf

    from .tiny import write_tiny_gguf

    gguf = write_tiny_gguf(tmp_path / "g.gguf", "gemma3", seed=2)
    lm = fm.load(str(convert_gguf(gguf, tmp_path / "g", {"name": "tiny-gemma"})))
    outs = lm.generate(PROMPTS, n=2, params=GREEDY)
    for messages, texts in zip(PROMPTS, outs, strict=True):
        assert texts == [_stock_greedy(lm, messages, GREEDY.max_tokens)] * 2


def test_sampling_is_seeded_and_varies_across_samples(tiny_lm) -> None:
    params = fm.SamplingParams(temperature=1.0, top_p=1.0, max_tokens=12, seed=3)
    first = tiny_lm.generate(PROMPTS[:1], n=6, params=params)
    again = tiny_lm.generate(PROMPTS[:1], n=6, params=params)
    other = tiny_lm.generate(PROMPTS[:1], n=6, params=fm.SamplingParams(1.0, 1.0, 12, seed=4))
    assert first == again
    assert len(set(first[0])) > 1  # samples of one prompt differ
    assert first != other


def test_samples_do_not_depend_on_batch_composition_or_order(tiny_lm) -> None:
    """Sample j of a prompt draws from its own (seed, prompt, j) stream: batching is invisible."""
    params = fm.SamplingParams(temperature=1.0, top_p=0.95, max_tokens=12, seed=7)
    alone = tiny_lm.generate(PROMPTS[1:2], n=3, params=params)[0]
    mixed = tiny_lm.generate([PROMPTS[2], PROMPTS[1], PROMPTS[0]], n=[2, 5, 4], params=params)
    assert mixed[1][:3] == alone  # the first three samples, inside a bigger reordered batch
    assert len(set(mixed[1])) > 1
    split = [
        tiny_lm.generate([p], n=n, params=params)[0]
        for p, n in zip(PROMPTS, (4, 5, 2), strict=True)
    ]
    assert split == [mixed[2], mixed[1], mixed[0]]


def test_greedy_is_unchanged_by_the_seed(tiny_lm) -> None:
    outs = [
        tiny_lm.generate(PROMPTS, n=2, params=fm.SamplingParams(0.0, 0.9, 10, seed=s))
        for s in (0, 9)
    ]
    assert outs[0] == outs[1]
    assert outs[0][0] == [_stock_greedy(tiny_lm, PROMPTS[0], 10)] * 2


def test_stop_keeps_text_up_to_the_stop_point(tiny_lm) -> None:
    def stop(text: str) -> bool:
        return len(text) >= 5

    outs = tiny_lm.generate(PROMPTS, n=2, params=fm.SamplingParams(max_tokens=40), stop=stop)
    for texts in outs:
        for text in texts:
            assert len(text) >= 5 or len(tiny_lm.tokenizer.encode(text)) < 40
            ids = tiny_lm.tokenizer.encode(text, add_special_tokens=False)
            assert not stop(tiny_lm.decode(ids[:-1]))  # it stopped at the first point it could


def test_max_tokens_cap_and_progress(tiny_lm) -> None:
    seen: list[tuple[int, int]] = []
    lengths: list[int] = []
    decode = tiny_lm.decode
    tiny_lm.decode = lambda ids: lengths.append(len(ids)) or decode(ids)  # count tokens decoded
    params = fm.SamplingParams(temperature=1.0, max_tokens=4)
    outs = tiny_lm.generate(PROMPTS, n=3, params=params, progress=lambda d, t: seen.append((d, t)))
    assert [len(o) for o in outs] == [3, 3, 3]
    assert max(lengths) == 4  # random weights rarely emit end-of-turn: the cap ends them
    assert seen[0] == (0, 9) and seen[-1] == (9, 9)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_identical_prompts_share_prefill(tiny_lm, monkeypatch: pytest.MonkeyPatch) -> None:
    from forge.model import generate as gen

    calls: list[int] = []
    real = gen._prefill
    monkeypatch.setattr(gen, "_prefill", lambda m, t, c: calls.append(len(t)) or real(m, t, c))
    system = {"role": "system", "content": "You write small, correct Python functions."}
    a, b = [system, PROMPTS[0][0]], [system, PROMPTS[1][0]]
    tiny_lm.generate([a, b, a], n=4, params=fm.SamplingParams(max_tokens=2))
    assert len(calls) == 2  # two distinct prompts, each prefilled once for 12 samples
    shared = _common_prefix([tuple(tiny_lm.encode_chat(p)) for p in (a, b)])
    assert shared > 16
    assert sum(calls) == len(tiny_lm.encode_chat(a)) + len(tiny_lm.encode_chat(b)) - 2 * shared


def test_common_prefix() -> None:
    assert _common_prefix([(1, 2, 3, 4), (1, 2, 9)]) == 2
    assert _common_prefix([(1, 2, 3), (1, 2, 3)]) == 2  # always leave one token per prompt
    assert _common_prefix([(5, 6)]) == 0


def test_n_must_match_prompts(tiny_lm) -> None:
    with pytest.raises(ValueError):
        tiny_lm.generate(PROMPTS, n=[1, 2])
