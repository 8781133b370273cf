"""Resolving --tasks: files, named sets with slices, and one-line errors."""

from __future__ import annotations

import pytest

from forge.errors import TaskFormatError, UnknownNameError
from forge.tasks import check_unique, parse_spec, select
from forge.types import Task

TASKS = [Task(id=f"T/{i}", domain="x", prompt=str(i)) for i in range(10)]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("humaneval", ("humaneval", None)),
        ("humaneval[40:48]", ("humaneval", "40:48")),
        ("gsm8k[:5]", ("gsm8k", ":5")),
    ],
)
def test_parse_spec(spec, expected) -> None:
    assert parse_spec(spec) == expected


def test_parse_spec_rejects_garbage() -> None:
    with pytest.raises(TaskFormatError, match="is not a file and not a named set"):
        parse_spec("a b c")


@pytest.mark.parametrize(
    ("selection", "ids"),
    [
        ("2:4", ["T/2", "T/3"]),
        (":2", ["T/0", "T/1"]),
        ("-1", ["T/9"]),
        ("T/3,T/1", ["T/3", "T/1"]),
        (None, [f"T/{i}" for i in range(10)]),
    ],
)
def test_select(selection, ids) -> None:
    assert [t.id for t in select(TASKS, selection)] == ids


def test_select_errors() -> None:
    with pytest.raises(TaskFormatError, match="Task index 12 is out of range"):
        select(TASKS, "12", "x[12]")
    with pytest.raises(UnknownNameError, match="Unknown task 'T/77'"):
        select(TASKS, "T/77")


def test_duplicate_ids() -> None:
    with pytest.raises(TaskFormatError, match="Task id 'a' appears twice in f.jsonl"):
        check_unique([Task("a", "x", "p"), Task("a", "x", "q")], "f.jsonl")
