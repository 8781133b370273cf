"""The generated task files of examples/experiments/math-measured.yaml: what the generator
writes, loadable by the math domain, disjoint splits, and every reference judged correct."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from forge_math.domain import MathDomain

FOLDER = Path(__file__).resolve().parents[2] / "examples" / "experiments" / "math-tasks"


def _generator():
    spec = importlib.util.spec_from_file_location("math_tasks_generate", FOLDER / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (FOLDER / f"{name}.jsonl").read_text().splitlines()]


def test_committed_files_are_what_the_generator_writes(tmp_path, monkeypatch) -> None:
    gen = _generator()
    monkeypatch.setattr(gen, "HERE", tmp_path)
    gen.main()
    for name in ("train", "heldout", "transfer"):
        assert (tmp_path / f"{name}.jsonl").read_text() == (FOLDER / f"{name}.jsonl").read_text()


def test_splits_are_sized_disjoint_and_load_in_the_math_domain() -> None:
    train, heldout, transfer = _rows("train"), _rows("heldout"), _rows("transfer")
    assert (len(train), len(heldout), len(transfer)) == (100, 50, 20)
    assert not {t["problem"] for t in train} & {t["problem"] for t in heldout}
    domain = MathDomain()
    for name in ("train", "heldout", "transfer"):
        tasks = domain.load_tasks(str(FOLDER / f"{name}.jsonl"))
        assert len({t.id for t in tasks}) == len(tasks)


def test_every_reference_answer_passes_and_a_wrong_one_fails(forge_sandbox) -> None:
    domain = MathDomain()
    for name in ("train", "heldout", "transfer"):
        for task, row in zip(
            domain.load_tasks(str(FOLDER / f"{name}.jsonl")), _rows(name), strict=True
        ):
            assert domain.verify(task, row["answer"], forge_sandbox).status == "passed", task.id
    task = domain.load_tasks(str(FOLDER / "heldout.jsonl"))[0]
    assert domain.verify(task, "12345", forge_sandbox).status == "failed"
