"""A tiny arithmetic domain, a scripted engine and trainer, and an inline executor: a test plugin.

They stand in for MLX and the sandbox only in the loop-logic tests (the real model runs the
same session in tests/e2e), and they are registered through forge's plugin manager exactly
as a third-party plugin would be, so the tests drive the real Session. The engine's rule: a
first attempt answers ``a + b + 1`` for odd ``a`` (wrong) and ``a + b`` otherwise; a repair
prompt always gets the right answer; with an adapter every answer is right.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from forge.config import RunConfig, build_config
from forge.domain import Domain
from forge.hookspecs import hookimpl
from forge.params import TrainResult
from forge.plugins import get_manager
from forge.types import CaseResult, Task, Verdict
from forge.verifiers import verify_all


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


@dataclass
class Script:
    """What the scripted engine and trainer saw and should do; one per test."""

    fail_on_call: int | None = None
    calls: int = 0
    trained: bool = False
    train_examples: list = field(default_factory=list)
    prompts: list = field(default_factory=list)
    adapters: list = field(default_factory=list)


class ScriptedEngine:
    """Deterministic completions by rule; counts calls; can fail on a chosen generate call."""

    name: ClassVar[str] = "scripted"
    script: ClassVar[Script] = Script()

    def __init__(self, adapter: Path | None) -> None:
        self.adapter = adapter
        self.identity = {"name": "scripted", "adapter": str(adapter) if adapter else None}
        self.script.adapters.append(adapter)

    @classmethod
    def missing(cls) -> str | None:
        return None

    @classmethod
    def auto_rank(cls) -> int:
        return -1

    @classmethod
    def load(cls, model, *, adapter=None, progress=None) -> ScriptedEngine:
        return cls(adapter)

    def with_adapter(self, adapter) -> ScriptedEngine:
        return ScriptedEngine(adapter)

    def describe(self) -> str:
        return f"scripted (adapter {self.adapter})"

    def generate(self, prompts, n=1, params=None, stop=None, progress=None):
        script = self.script
        script.calls += 1
        if script.fail_on_call is not None and script.calls == script.fail_on_call:
            raise KeyboardInterrupt
        ns = [n] * len(prompts) if isinstance(n, int) else list(n)
        out = []
        for messages, k in zip(prompts, ns, strict=True):
            text = messages[-1]["content"]
            script.prompts.append(text)
            a, b = (int(x) for x in re.findall(r"(\d+) \+ (\d+)", text)[0])
            repair = "previous attempt" in text.lower()
            right = self.adapter is not None or repair or a % 2 == 0
            out.append([f"The answer is {a + b + (0 if right else 1)}." for _ in range(k)])
        if progress:
            progress(sum(ns), sum(ns))
        return out


class ScriptedTrainer:
    """Records its examples and writes an (empty) adapter folder."""

    name: ClassVar[str] = "scripted"

    @classmethod
    def missing(cls) -> str | None:
        return None

    @classmethod
    def create(cls, model, base_adapter=None) -> ScriptedTrainer:
        return cls()

    def train(self, examples, out_dir, config, *, seed=0, progress=None):
        script = ScriptedEngine.script
        script.trained = True
        script.train_examples = list(examples)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "adapters.safetensors").write_bytes(b"")
        if progress:
            progress(config.iters, config.iters, 1.0)
        return TrainResult(
            adapter_dir=out_dir,
            losses=[(1, 2.0), (2, 1.0)],
            tokens_per_s=100.0,
            iters=2,
            validation_losses=[(0, 3.0), (1, 2.5), (2, 2.75)],
            best_iter=1,
            validation_examples=1,
            validation_tasks=["a3"],
        )


class InlineExecutor:
    """Verifies on the calling thread with no sandbox (the arith domain runs nothing)."""

    name: ClassVar[str] = "inline"
    lanes = 1
    isolation = ()

    @classmethod
    def missing(cls) -> str | None:
        return None

    @classmethod
    def create(cls, config) -> InlineExecutor:
        return cls()

    def submit(self, domain, items, verifiers=()):
        future: Future = Future()
        future.set_result(verify_all(domain, list(items), None, verifiers))
        return future

    def describe(self) -> str:
        return "inline"

    def close(self) -> None:
        pass


class LoopPlugin:
    """The test plugin: registers everything above."""

    @hookimpl
    def register_domains(self, register):
        register(ArithDomain())

    @hookimpl
    def register_engines(self, register):
        register(ScriptedEngine)

    @hookimpl
    def register_trainers(self, register):
        register(ScriptedTrainer)

    @hookimpl
    def register_executors(self, register):
        register(InlineExecutor)


_plugin_lock = threading.Lock()


@contextmanager
def loop_plugin(*extra: tuple[str, Any]) -> Iterator[None]:
    """Register the test plugin (and ``extra`` (name, plugin) pairs) for the block, then remove."""
    manager = get_manager()
    with _plugin_lock:
        manager.add_plugin(LoopPlugin(), "loop-test")
        for name, plugin in extra:
            manager.add_plugin(plugin, name)
        try:
            yield
        finally:
            for name, _ in extra:
                manager.remove_plugin(name)
            manager.remove_plugin("loop-test")


def config(**overrides: Any) -> RunConfig:
    """A small search on the arith domain with the scripted engine, trainer and executor."""
    base = {
        "domain": "arith",
        "model": {"engine": "scripted"},
        "train": {"min_pairs": 1, "method": "scripted"},
        "executor": {"name": "inline"},
        "tasks": {"heldout": 0.25},
        "search": {"population_size": 2, "generations": 2, "elites": 1, "repairs_per_elite": 1},
    }
    layers = [base]
    for key, value in overrides.items():
        layers.append({key: value})
    return build_config(*layers)
