"""A test plugin for experiments: a sums domain with named task sets, an engine whose skill
depends on the task, the seed and the adapter, and a trainer whose adapter is as good as
its examples are right.

The engine answers ``What is a + b?`` correctly with chance ``p(task)`` per sample (a fixed
draw per (seed, prompt, sample), so runs are deterministic and seeds differ); greedy answers
are right when ``p >= 0.5``; a repair prompt is right half of the time. With an adapter the
chance rises by ``0.3 x quality``, where quality is the share of the adapter's training
examples whose answer is the right sum for their own prompt: real examples help, examples
with answers shuffled across tasks (the control) give nothing. Registered through the plugin
manager like any plugin, so the tests drive the real Session, store and experiment runner.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from forge.domain import Domain
from forge.hookspecs import hookimpl
from forge.params import TrainResult
from forge.plugins import get_manager
from forge.types import CaseResult, Task, Verdict

from ..core.loop_support import InlineExecutor, _plugin_lock

SETS = {  # every sum is unique, so an answer moved to another task is always wrong there
    "train": [(a, 20 * a + b) for a in range(1, 7) for b in range(1, 5)],  # 24 tasks
    "heldout": [(a, 20 * a + b) for a in range(11, 15) for b in range(1, 4)],  # 12 tasks
    "other": [(a, 1000 + a) for a in range(1, 7)],  # 6 transfer tasks
}


def task(a: int, b: int, source: str) -> Task:
    return Task(
        id=f"s{a}_{b}",
        domain="sums",
        prompt=f"What is {a} + {b}?",
        data={"a": a, "b": b},
        source=source,
    )


class SumsDomain(Domain):
    name = "sums"
    version = "1"
    description = "add two numbers, with named task sets"

    def load_tasks(self, source):
        return [task(a, b, "train") for a, b in SETS["train"]]

    def build_prompt(self, task):
        return [{"role": "user", "content": task.prompt}]

    def extract(self, text):
        m = re.search(r"-?\d+", text)
        return m.group(0) if m else None

    def verify(self, task, artifact, sandbox):
        if artifact is None:
            return Verdict(status="invalid", message="no number")
        want = task.data["a"] + task.data["b"]
        ok = int(artifact) == want
        cases = (
            CaseResult("sum", ok, expected=want, got=int(artifact)),
            CaseResult("hidden", ok, hidden=True),
        )
        return Verdict(status="passed" if ok else "failed", cases=cases)

    def feedback(self, task, verdict, style="specific"):
        if verdict.status == "invalid":
            return verdict.message
        c = verdict.public[0]
        return f"expected {c.expected} got {c.got}"


def loader(name: str):
    def load(spec: str) -> list[Task]:
        return [task(a, b, name) for a, b in SETS[name]]

    return load


def skill(a: int, b: int) -> float:
    """The base model's chance of answering ``a + b`` right: 0.0 .. 0.9 across tasks."""
    return ((a * 7 + b * 3) % 10) / 10


def draw(seed: int, text: str, j: int) -> float:
    digest = hashlib.blake2b(f"{seed}|{text}|{j}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") / 2**64


@dataclass
class Script:
    """What the engine and trainer saw; where to interrupt them (1-based call numbers)."""

    fail_on_call: int | None = None
    calls: int = 0
    completed_calls: int = 0
    sequences: int = 0
    trainings: list = field(default_factory=list)
    completed_trainings: int = 0


class SkillEngine:
    name: ClassVar[str] = "skill"
    script: ClassVar[Script] = Script()

    def __init__(self, adapter: Path | None) -> None:
        self.adapter = adapter
        self.identity = {"name": "skill", "adapter": str(adapter) if adapter else None}
        self.boost = 0.0
        if adapter is not None:
            self.boost = 0.3 * json.loads((adapter / "quality.json").read_text())["quality"]

    @classmethod
    def missing(cls):
        return None

    @classmethod
    def auto_rank(cls):
        return -1

    @classmethod
    def load(cls, model, *, adapter=None, progress=None):
        return cls(adapter)

    def with_adapter(self, adapter):
        return SkillEngine(adapter)

    def describe(self):
        return f"skill (adapter {self.adapter})"

    def generate(self, prompts, n=1, params=None, stop=None, progress=None):
        script = self.script
        script.calls += 1
        if script.fail_on_call == script.calls:
            raise KeyboardInterrupt
        ns = [n] * len(prompts) if isinstance(n, int) else list(n)
        out = []
        for messages, k in zip(prompts, ns, strict=True):
            text = messages[-1]["content"]
            a, b = (int(x) for x in re.findall(r"What is (\d+) \+ (\d+)\?", text)[0])
            repair = "previous attempt" in text.lower()
            p = 0.5 if repair else min(1.0, skill(a, b) + self.boost)
            answers = []
            for j in range(k):
                right = p >= 0.5 if params.temperature == 0 else draw(params.seed, text, j) < p
                answers.append(f"The answer is {a + b if right else a + b + 1 + j % 3}.")
            out.append(answers)
        script.completed_calls += 1
        script.sequences += sum(ns)
        return out


def right_share(examples) -> float:
    """The share of examples whose chosen answer is the right sum for their own prompt."""
    good = 0
    for e in examples:
        a, b = (int(x) for x in re.findall(r"What is (\d+) \+ (\d+)\?", e.prompt[-1]["content"])[0])
        good += int(re.search(r"-?\d+", e.chosen).group(0)) == a + b
    return good / len(examples) if examples else 0.0


class SkillTrainer:
    name: ClassVar[str] = "skill"

    @classmethod
    def missing(cls):
        return None

    @classmethod
    def create(cls, model, base_adapter=None):
        return cls()

    def train(self, examples, out_dir, config, *, seed=0, progress=None):
        script = SkillEngine.script
        script.calls += 1
        if script.fail_on_call == script.calls:
            raise KeyboardInterrupt
        script.trainings.append((out_dir, list(examples), seed))
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "quality.json").write_text(json.dumps({"quality": right_share(examples)}))
        script.completed_trainings += 1
        return TrainResult(adapter_dir=out_dir, losses=[(1, 2.0), (2, 1.0)], iters=2)


class SkillTrainerDpo(SkillTrainer):
    name: ClassVar[str] = "skill-dpo"


class ExperimentPlugin:
    @hookimpl
    def register_domains(self, register):
        register(SumsDomain())

    @hookimpl
    def register_task_loaders(self, register):
        for name in SETS:
            register(f"sums:{name}", loader(name))

    @hookimpl
    def register_engines(self, register):
        register(SkillEngine)

    @hookimpl
    def register_trainers(self, register):
        register(SkillTrainer)
        register(SkillTrainerDpo)

    @hookimpl
    def register_executors(self, register):
        register(InlineExecutor)


@contextmanager
def experiment_plugin() -> Iterator[Script]:
    """Register the plugin for the block with a fresh script; yield the script."""
    manager = get_manager()
    SkillEngine.script = Script()
    with _plugin_lock:
        manager.add_plugin(ExperimentPlugin(), "experiment-test")
        try:
            yield SkillEngine.script
        finally:
            manager.remove_plugin("experiment-test")


RUN = {
    "domain": "sums",
    "model": {"engine": "skill"},
    "executor": {"name": "inline"},
    "tasks": {"source": "train", "heldout": "heldout", "transfer": "other"},
    "search": {"population_size": 4, "generations": 1, "elites": 1, "repairs_per_elite": 2},
    "train": {"method": "skill", "min_pairs": 1},
    "measure": {"samples": 8},
}


def experiment(**overrides: Any) -> dict[str, Any]:
    """An experiment mapping: base, trained, control and an RFT+DPO variant over 2 seeds."""
    data: dict[str, Any] = {
        "name": "t",
        "seeds": [1, 2],
        "run": json.loads(json.dumps(RUN)),
        "arms": {
            "base": {"kind": "base"},
            "trained": {"kind": "trained"},
            "control": {"kind": "control"},
            "rft-dpo": {
                "config": {
                    "pairs": {"recipe": ["rft", "rehearsal"]},
                    "train": {"method": "skill-dpo"},
                }
            },
        },
        "k": [4, 8],
        "resamples": 500,
    }
    data.update(overrides)
    return data
