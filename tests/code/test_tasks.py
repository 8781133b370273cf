"""Task files: the built-in set, JSONL parsing, and exact error messages for bad files."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from forge.errors import TaskFormatError
from forge.verifiers import verify_all
from forge_code.tasks import load_file

from .reference_solutions import REFERENCE

GOOD = {
    "id": "t1",
    "prompt": "Add.",
    "entry_point": "add",
    "tests": [{"input": [1, 2], "expected": 3}],
}


def write(tmp_path, lines: list[str]) -> str:
    path = tmp_path / "tasks.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def error_for(tmp_path, lines: list[str]) -> str:
    path = write(tmp_path, lines)
    with pytest.raises(TaskFormatError) as info:
        load_file(path)
    return info.value.one_line().replace(path, "tasks.jsonl")


def test_builtin_set_has_20_graded_tasks_with_hidden_tests(builtin) -> None:
    assert len(builtin) == 20
    assert Counter(t.difficulty for t in builtin.values()) == {1: 7, 2: 8, 3: 5}
    for task in builtin.values():
        assert task.domain == "code" and task.source == "builtin"
        assert len(task.data["tests"]) >= 3 and len(task.data["hidden_tests"]) >= 3
        assert f"`{task.data['entry_point']}(" in task.prompt


def test_every_reference_solution_passes_public_and_hidden(domain, builtin, forge_sandbox) -> None:
    assert set(REFERENCE) == set(builtin)
    items = [(builtin[tid], source) for tid, source in REFERENCE.items()]
    for (task, _), verdict in zip(items, verify_all(domain, items, forge_sandbox), strict=True):
        assert verdict.status == "passed", (task.id, domain.feedback(task, verdict))
        assert len(verdict.hidden) == len(task.data["hidden_tests"])
        assert all(c.passed for c in verdict.cases)


def test_reads_a_good_file(tmp_path) -> None:
    row = {
        **GOOD,
        "hidden_tests": [{"input": [2, 2], "expected": 4}],
        "difficulty": 2,
        "type": "function",
    }
    (task,) = load_file(write(tmp_path, [json.dumps(row), ""]))
    assert (task.id, task.domain, task.prompt, task.difficulty) == ("t1", "code", "Add.", 2)
    assert task.data["entry_point"] == "add" and task.data["type"] == "function"
    assert task.data["hidden_tests"] == [{"input": [2, 2], "expected": 4}]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            [
                json.dumps(GOOD),
                json.dumps({**GOOD, "id": "t2"}),
                json.dumps({k: v for k, v in GOOD.items() if k != "entry_point"}),
            ],
            "tasks.jsonl:3: missing key 'entry_point'. Each line needs id, prompt, entry_point, tests.",
        ),
        (
            [json.dumps(GOOD), '{"id": "t2", "prompt": '],
            "tasks.jsonl:2: invalid JSON: Expecting value (column 24). Each line needs id, prompt, entry_point, tests.",
        ),
        (
            [json.dumps(GOOD), "", json.dumps(GOOD)],
            "tasks.jsonl:3: duplicate id 't1' (first on line 1). Task ids must be unique.",
        ),
        (
            ["[1, 2]"],
            "tasks.jsonl:1: expected a JSON object, got list. Each line needs id, prompt, entry_point, tests.",
        ),
        (
            [json.dumps({**GOOD, "tests": []})],
            "tasks.jsonl:1: 'tests' must be a non-empty list of tests. "
            'Each test is {"input": [arguments...], "expected": value}.',
        ),
        (
            [json.dumps({**GOOD, "tests": [{"input": 5, "expected": 5}]})],
            "tasks.jsonl:1: tests[0].input must be a list of arguments, got int. "
            'Each test is {"input": [arguments...], "expected": value}.',
        ),
        (
            [json.dumps({**GOOD, "hidden_tests": [{"input": [1]}]})],
            "tasks.jsonl:1: hidden_tests[0] needs 'input' and 'expected'. "
            'Each test is {"input": [arguments...], "expected": value}.',
        ),
        (
            [json.dumps({**GOOD, "entry_point": "1add"})],
            "tasks.jsonl:1: 'entry_point' must be a Python function name, got '1add'. Each line needs id, prompt, entry_point, tests.",
        ),
        (
            [json.dumps({**GOOD, "difficulty": 5})],
            "tasks.jsonl:1: 'difficulty' must be 1, 2 or 3. Each line needs id, prompt, entry_point, tests.",
        ),
        (
            ["", "   "],
            "tasks.jsonl: no tasks (the file is empty). Each line needs id, prompt, entry_point, tests.",
        ),
    ],
)
def test_malformed_files_name_file_line_and_fix(tmp_path, lines, message) -> None:
    assert error_for(tmp_path, lines) == message


def test_missing_file(tmp_path) -> None:
    with pytest.raises(TaskFormatError) as info:
        load_file(str(tmp_path / "nope.jsonl"))
    assert info.value.one_line() == (
        f"Task file '{tmp_path / 'nope.jsonl'}' does not exist. "
        "Pass a JSONL file with one task per line, or --tasks humaneval."
    )


def _nested(depth: int) -> list:
    value: list = [1]
    for _ in range(depth):
        value = [value]
    return value


def _line(**changes: object) -> str:
    return json.dumps({**GOOD, **changes})


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            _line(tests=[{"input": [1], "expected": {"__tuple__": 5}}]),
            'tasks.jsonl:1: tests[0].expected: {"__tuple__": ...} needs a list, not int.',
        ),
        (
            _line(tests=[{"input": [{"__set__": [[1]]}], "expected": 1}]),
            'tasks.jsonl:1: tests[0].input: {"__set__": ...} holds an unhashable key or '
            "member: unhashable type: 'list'.",
        ),
        (
            _line(hidden_tests=[{"input": [1], "expected": {"__bytes__": "zz"}}]),
            "tasks.jsonl:1: hidden_tests[0].expected: {\"__bytes__\": 'zz'} is not a hex string.",
        ),
        (
            json.dumps(GOOD)[:-1] + ', "big": ' + "7" * 5000 + "}",
            "tasks.jsonl:1: a number has too many digits (the limit is 4300).",
        ),
        ("[" * 100_000 + "]" * 100_000, "tasks.jsonl:1: JSON nested more than 50 levels deep."),
        (
            _line(tests=[{"input": [_nested(60)], "expected": 1}]),
            "tasks.jsonl:1: JSON nested more than 50 levels deep.",
        ),
        (
            _line(prompt="Add X.").replace("X", "\\ud800"),
            "tasks.jsonl:1: a string holds a lone surrogate",
        ),
        (_line(entry_point="def"), "tasks.jsonl:1: 'entry_point' must be a Python function"),
    ],
)
def test_odd_json_is_a_one_line_task_format_error(tmp_path, line: str, message: str) -> None:
    got = error_for(tmp_path, [line])
    assert got.startswith(message) and "\n" not in got, got
