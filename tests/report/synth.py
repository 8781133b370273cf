"""A small synthetic run folder written through the real RunStore (real SQLite).

Run ``python -m tests.report.synth DIR`` to write one and render its report (for eyeballing).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from forge.store import RunStore
from forge.types import Attempt, Candidate, CaseResult, Task, TrainingExample, Verdict

HOSTILE = "</pre><script>alert(1)</script>"
TRAIN = ["add", "fizzbuzz", "vowels", "brackets"]
HELDOUT = ["reverse", "second_largest"]


def verdict(passed: int, total: int, hidden: tuple[int, int] = (0, 0), status: str = "") -> Verdict:
    """Return a verdict: ``passed`` of ``total`` public, ``hidden[0]`` of ``hidden[1]`` hidden."""
    cases = [CaseResult(f"t{i}", i < passed, input=i, expected=i, got=i) for i in range(total)]
    cases += [CaseResult(f"h{i}", i < hidden[0], hidden=True) for i in range(hidden[1])]
    ok = passed == total and hidden[0] == hidden[1]
    return Verdict(status or ("passed" if ok else "failed"), tuple(cases), duration_s=0.01)


# per task: (before, search generations [[public passed of 4 per candidate]], after, after_search)
PLAN: dict[str, tuple[int, list[list[int]], int, list[list[int]]]] = {
    "add": (4, [[4, 3]], 4, [[4]]),
    "fizzbuzz": (2, [[2, 1, 3], [3, 4]], 4, [[4]]),
    "vowels": (1, [[1, 2], [2, 2], [3, 3]], 2, [[2, 3], [4]]),
    "brackets": (0, [[0, 0], [1, 0], [1, 2]], 0, [[0, 1], [1, 1]]),
    "reverse": (4, [], 4, [[4]]),
    "second_largest": (1, [], 2, [[2, 2], [3, 4]]),
}


def _rows(phase: str, task: str, gens: list[list[int]]):
    """Yield stored rows for one task's candidates of one phase."""
    parent = None
    for g, scores in enumerate(gens):
        for k, passed in enumerate(scores):
            cid = f"{phase}-{task}-{g}-{k}"
            text = f"```python\ndef {task}(x):\n    return x  # {phase} gen {g} #{k}\n```"
            artifact = text.strip("`").removeprefix("python\n")
            if task == "vowels" and phase == "before":
                artifact = text = HOSTILE
            hidden = (2 if passed == 4 else 1, 2) if task == "fizzbuzz" else (0, 0)
            v = verdict(passed, 4, hidden)
            feedback = "" if v.ok else f"test t{passed} failed: expected {passed}, got None <b>"
            yield Attempt(
                Candidate(cid, task, text, artifact, g, parent, phase), v, passed / 4, feedback
            )
        parent = f"{phase}-{task}-{g}-0"


def write_store(run_dir: Path, last_phase: str = "after_search") -> None:
    """Write forge.db for the synthetic run, stopping after ``last_phase``."""
    store = RunStore(run_dir / "forge.db")
    tasks = {t: Task(t, "code", f"Write {t}(x).") for t in TRAIN + HELDOUT}
    store.save_tasks([tasks[t] for t in TRAIN], [tasks[t] for t in HELDOUT])
    order = ["before", "search", "after", "after_search"]
    for phase in order[: order.index(last_phase) + 1]:
        store.start_phase(phase)
        for task, (before, search, after, after_search) in PLAN.items():
            gens = {"before": [[before]], "search": search, "after": [[after]]}.get(
                phase, after_search
            )
            if gens:
                store.commit_unit(phase, task, list(_rows(phase, task, gens)))
        store.finish_phase(phase, 1.5, {})
        if phase == "search":
            pair = TrainingExample(
                "fizzbuzz", ({"role": "user", "content": "fix"},), "def f(): ..."
            )
            rehearsal = TrainingExample("add", (), "x", kind="rehearsal")
            store.save_examples([pair, pair, rehearsal])
            store.save_train_log([(i, 2.0 - 0.06 * i) for i in range(1, 21)])
    store.set_meta("domain", "code")
    store.close()


def stats(passed: int, total: int) -> dict[str, int]:
    """Return one phase's stats dict."""
    return {"passed": passed, "total": total, "tests_passed": passed * 4, "tests_total": total * 4}


SUMMARY: dict[str, Any] = {
    "run_id": "20261128-0112-code-ab12",
    "domain": "code",
    "domain_version": "1",
    "model": {"name": "smollm2-135m", "dtype": "float32"},
    "adapter": "runs/20261128-0112-code-ab12/adapter",
    "config": {
        "seed": 0,
        "search": {"population_size": 6, "generations": 2},
        "train": {"iters": 20},
    },
    "headline": "hidden tests where tasks have them, else public",
    "phases": {
        "before": stats(2, 5),
        "search": stats(4, 5),
        "after": stats(3, 5),
        "after_search": stats(5, 5),
    },
    "heldout": {
        "before": stats(1, 3),
        "search": None,
        "after": stats(2, 3),
        "after_search": stats(3, 3),
    },
    "pairs": {"repair": 7, "rehearsal": 3},
    "train": {
        "iters": 20,
        "first_loss": 1.92,
        "final_loss": 0.81,
        "tokens_per_s": 95.0,
        "peak_memory_mb": 1500,
        "skipped": None,
    },
    "seconds": {
        "before": 12.3,
        "search": 80.1,
        "pairs": 0.1,
        "train": 70.2,
        "after": 12.0,
        "after_search": 60.0,
    },
    "total_seconds": 235.0,
}


def make_run(folder: Path) -> Path:
    """Write a finished synthetic run (store, summary.json, config.yaml) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    write_store(folder)
    (folder / "summary.json").write_text(json.dumps(SUMMARY), encoding="utf-8")
    (folder / "config.yaml").write_text(yaml.safe_dump(SUMMARY["config"]), encoding="utf-8")
    return folder


if __name__ == "__main__":
    import sys

    from forge.report import render

    print(render(make_run(Path(sys.argv[1]))))
