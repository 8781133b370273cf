"""A tiny arithmetic domain and a scripted model for testing the loop's logic deterministically.

The scripted model stands in for MLX only in these loop-logic tests; the real model runs
the same loop in tests/e2e. Its rule: a first attempt answers ``a + b + 1`` for odd
``a`` (wrong) and ``a + b`` otherwise; a repair prompt always gets the right answer;
after training every answer is right.
"""

from __future__ import annotations

import re

from forge.domain import Domain
from forge.params import TrainResult
from forge.types import CaseResult, Task, Verdict


class ArithDomain(Domain):
    name = "arith"
    version = "1"
    description = "add two numbers"

    def load_tasks(self, source):
        return [
            Task(
                id=f"add{a}",
                domain="arith",
                prompt=f"What is {a} + {a * 2}?",
                data={"a": a, "b": a * 2},
            )
            for a in range(1, 9)
        ]

    def build_prompt(self, task):
        return [{"role": "user", "content": task.prompt}]

    def extract(self, text):
        m = re.search(r"-?\d+", text)
        return m.group(0) if m else None

    def verify(self, task, artifact, sandbox):
        if artifact is None:
            return Verdict(status="invalid", message="no number found")
        want = task.data["a"] + task.data["b"]
        got = int(artifact)
        cases = (
            CaseResult(
                "sum", got == want, input=[task.data["a"], task.data["b"]], expected=want, got=got
            ),
            CaseResult("hidden", got == want, hidden=True),
        )
        return Verdict(status="passed" if got == want else "failed", cases=cases)

    def feedback(self, task, verdict, style="specific"):
        if verdict.status == "invalid":
            return verdict.message
        c = verdict.public[0]
        return (
            f"expected {c.expected} got {c.got}"
            if style == "specific"
            else f"{verdict.passed}/{verdict.total}"
        )


class ScriptedLM:
    """Deterministic completions by rule; counts calls; can fail on a chosen generate call."""

    name = "scripted"
    identity = {"name": "scripted"}

    def __init__(self, fail_on_call: int | None = None) -> None:
        self.calls = 0
        self.trained = False
        self.fail_on_call = fail_on_call
        self.train_examples: list = []

    def generate(self, prompts, n=1, params=None, stop=None, progress=None):
        self.calls += 1
        if self.fail_on_call is not None and self.calls == self.fail_on_call:
            raise KeyboardInterrupt
        ns = [n] * len(prompts) if isinstance(n, int) else list(n)
        out = []
        for messages, k in zip(prompts, ns, strict=True):
            text = messages[-1]["content"]
            a, b = (int(x) for x in re.findall(r"(\d+) \+ (\d+)", text)[0])
            repair = "previous attempt" in text.lower()
            right = self.trained or repair or a % 2 == 0
            out.append([f"The answer is {a + b + (0 if right else 1)}." for _ in range(k)])
        if progress:
            progress(sum(ns), sum(ns))
        return out

    def train(self, examples, out_dir, **kwargs):
        self.trained = True
        self.train_examples = list(examples)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "adapters.safetensors").write_bytes(b"")
        return TrainResult(
            adapter_dir=out_dir, losses=[(1, 2.0), (2, 1.0)], tokens_per_s=100.0, iters=2
        )
