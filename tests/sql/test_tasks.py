"""Built-in tasks and task files: shape, gold results, hidden variants, loader errors."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from forge.errors import TaskFormatError
from forge_sql import seedgen
from forge_sql.databases import builtin_sql, database_path
from forge_sql.gold import gold_result
from forge_sql.tasks import load_builtin, load_file, slice_spec

CONSTRUCTS = {
    "JOIN": "join",
    "GROUP BY": "grouping",
    "HAVING": "having",
    "(SELECT": "subquery",
    "OVER (": "window",
    "NULL": "null handling",
    "strftime": "dates",
    "LIMIT": "limit",
    "ORDER BY": "ordering",
}


def test_builtin_set_is_broad() -> None:
    """At least 30 tasks over 3 schemas, all difficulties, and every listed SQL construct."""
    tasks = load_builtin()
    assert len(tasks) >= 30
    schemas = Counter(t.data["database"]["builtin"] for t in tasks)
    assert len(schemas) >= 3 and min(schemas.values()) >= 8
    assert set(Counter(t.difficulty for t in tasks)) == {1, 2, 3}
    golds = " ".join(t.data["gold"] for t in tasks)
    assert [c for c in CONSTRUCTS if c not in golds] == []
    assert all(t.domain == "sql" and t.prompt for t in tasks)


def test_builtin_golds_are_deterministic_and_catch_hard_coding() -> None:
    """Every gold query returns rows on both databases, different rows on each, stable order."""
    for task in load_builtin():
        public = gold_result(task.data["gold"], database_path(task.data["database"]))
        (hidden_spec,) = task.data["hidden_databases"]
        hidden = gold_result(task.data["gold"], database_path(hidden_spec))
        assert public.rows and hidden.rows, task.id
        assert public.rows != hidden.rows, task.id
        if task.data["order_matters"]:
            assert public.order_stable and hidden.order_stable, task.id


def test_seed_files_match_the_generator() -> None:
    """The shipped seed SQL is exactly what seedgen produces (no hand edits drift in)."""
    for name in seedgen.GENERATORS:
        for part in seedgen.SEEDS:
            assert builtin_sql(name, part) == seedgen.render(name, part), (name, part)


def test_database_files_are_cached_by_content_and_read_only() -> None:
    """Building the same spec twice gives the same file; the file is not writable."""
    spec = {"builtin": "hr", "seed": "seed"}
    path = database_path(spec)
    assert path == database_path(dict(spec)) and path.suffix == ".sqlite"
    assert len(path.stem) == 64
    assert not path.stat().st_mode & 0o222


def test_prompt_is_compact_and_shows_schema(sql_domain) -> None:
    """The prompt holds the CREATE TABLE lines and the question and asks for a ```sql block."""
    for task in load_builtin():
        messages = sql_domain.build_prompt(task)
        user = messages[-1]["content"]
        assert task.data["question"] in user and "```sql" in user
        assert "orders(id, customer_id -> customers.id" in user or task.id[:4] != "shop"
        assert "CREATE" not in user and len(user) < 800, task.id


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_jsonl_file_with_sqlite_schema(tmp_path) -> None:
    """A JSONL file with a schema+seed .sql file loads; ids default to <stem>-<n>."""
    _write(tmp_path, "db.sql", "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2);")
    line = {"question": "Sum of x?", "database": "db.sql", "gold": "SELECT SUM(x) FROM t"}
    tasks = load_file(_write(tmp_path, "mine.jsonl", json.dumps(line) + "\n"))
    assert [t.id for t in tasks] == ["mine-1"]
    assert gold_result(tasks[0].data["gold"], database_path(tasks[0].data["database"])).rows == (
        (3,),
    )


@pytest.mark.parametrize(
    "line,message",
    [
        ({"question": "q", "database": "db.sql"}, "mine.jsonl:2: missing 'gold'."),
        (
            {"question": "q", "database": "db.sql", "gold": "SELECT 1", "colour": 1},
            "unknown field 'colour'",
        ),
        (
            {"question": "q", "database": "nope.sql", "gold": "SELECT 1"},
            "Cannot read database file",
        ),
        (
            {"question": "q", "database": "db.sql", "gold": "SELECT y FROM t"},
            "mine.jsonl:2: the gold query fails on",
        ),
        (
            {"question": "q", "database": "db.sql", "gold": "SELECT x FROM t LIMIT 1"},
            "depend on scan order",
        ),
        ({"question": "q", "database": 7, "gold": "SELECT 1"}, "cannot use database 7"),
    ],
)
def test_task_file_errors_name_file_and_line(tmp_path, line, message) -> None:
    """Malformed tasks raise TaskFormatError naming the file, the line and the problem."""
    _write(tmp_path, "db.sql", "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2);")
    good = {"question": "q", "database": "db.sql", "gold": "SELECT 1"}
    text = json.dumps(good) + "\n" + json.dumps(line) + "\n"
    with pytest.raises(TaskFormatError) as info:
        load_file(_write(tmp_path, "mine.jsonl", text))
    assert message in str(info.value)


def test_yaml_errors_name_the_line(tmp_path) -> None:
    """A YAML task file reports the line the bad task starts on."""
    text = "- id: a\n  question: q\n  database: shop\n  gold: SELECT 1\n- id: b\n  question: q\n  database: shop\n"
    with pytest.raises(TaskFormatError, match=r"tasks.yaml:5: missing 'gold'"):
        load_file(_write(tmp_path, "tasks.yaml", text))


def test_unknown_format_and_slices(tmp_path) -> None:
    """Unknown extensions are refused; 'builtin[2:5]' slices the built-in set."""
    with pytest.raises(TaskFormatError, match="unknown format"):
        load_file(_write(tmp_path, "tasks.csv", "x"))
    assert slice_spec("builtin[2:5]") == ("builtin", slice(2, 5))
    assert slice_spec("builtin") == ("builtin", slice(None, None))
    from forge_sql.plugin import load_builtin_spec

    assert [t.id for t in load_builtin_spec("builtin[2:5]")] == [t.id for t in load_builtin()[2:5]]


def test_builtin_order_mixes_databases_easiest_first() -> None:
    """Any prefix of the built-in set mixes the databases; difficulty never decreases."""
    tasks = load_builtin()
    assert {t.data["database"]["builtin"] for t in tasks[:3]} == {"shop", "school", "hr"}
    assert [t.difficulty for t in tasks] == sorted(t.difficulty for t in tasks)


def test_a_gold_query_sqlglot_cannot_read_in_time_is_a_task_error(tmp_path) -> None:
    """Found by the fuzz: a gold with a chain of JOINs without ON hung the task loader
    (sqlglot's time doubles per join). Reading it is bounded; the line gets one error."""
    import time

    gold = "SELECT COUNT(*) FROM customers c" + " JOIN customers c" * 40
    row = {"question": "q", "database": "shop", "gold": gold}
    start = time.monotonic()
    with pytest.raises(TaskFormatError, match="mine.jsonl:1: the gold query is too complex"):
        load_file(_write(tmp_path, "mine.jsonl", json.dumps(row) + "\n"))
    assert time.monotonic() - start < 30
