"""Extraction, the static guard, nondeterminism checks and error hints."""

from __future__ import annotations

import pytest

from forge_sql.extract import answer_complete, extract_query
from forge_sql.guard import check_query, nondeterminism_reason
from forge_sql.hints import explain_error


@pytest.mark.parametrize(
    "text,query",
    [
        ("Sure:\n```sql\nSELECT 1;\n```\nDone.", "SELECT 1;"),
        ("```python\nprint(1)\n```\n```SQL\nSELECT 2\n```", "SELECT 2"),
        ("```\nSELECT 3\n```", "SELECT 3"),
        ("```sql\nSELECT 4\n```\n```sql\nSELECT 5\n```", "SELECT 4"),
        ("```sql\nSELECT 6 FROM t", "SELECT 6 FROM t"),
        ("SELECT 7 FROM t\n\nThis returns seven.", "SELECT 7 FROM t"),
        ("I don't know.", None),
        ("```sql\n\n```", None),
        ("```" * 7, None),
        ("", None),
    ],
)
def test_extract(text, query) -> None:
    assert extract_query(text) == query


def test_answer_complete() -> None:
    assert not answer_complete("```sql\nSELECT 1")
    assert answer_complete("```sql\nSELECT 1\n```")
    assert not answer_complete("```sql\n\n```")


@pytest.mark.parametrize(
    "query",
    [
        "SELECT 1",
        "select 1;",
        "SELECT ';' AS a, \"x;y\" FROM t -- trailing; comment",
        "WITH a AS (SELECT 1) SELECT * FROM a",
        "SELECT * FROM t WHERE note = 'DROP TABLE t; DELETE'",
        "SELEC * FORM t",  # not ours to judge: the engine will say what is wrong
    ],
)
def test_guard_lets_reads_through(query) -> None:
    assert check_query(query) is None


@pytest.mark.parametrize(
    "query,reason",
    [
        ("INSERT INTO t VALUES (1)", "INSERT (a write) is not allowed"),
        ("  /* hi */ DROP TABLE t", "DROP (DDL) is not allowed"),
        ("SELECT 1; SELECT 2", "found 2 statements"),
        ("SELECT 1;\x00SELECT 2", "NUL byte"),
        ("WITH x AS (UPDATE t SET a = 1 RETURNING a) SELECT * FROM x", "found UPDATE inside"),
        ("SELECT * INTO backup FROM t", "found INTO inside"),
        ("ATTACH 'x.db' AS x", "ATTACH (an engine command)"),
        ("SELECT LOAD_EXTENSION('x')", "load_extension() is not allowed"),
        ("SELECT " + "(" * 100 + "1" + ")" * 100, "nests parentheses 100 deep"),
        ("SELECT '" + "x" * 30000 + "'", "longer than 20000"),
    ],
)
def test_guard_refuses(query, reason) -> None:
    assert reason in (check_query(query) or "")


def test_nondeterminism() -> None:
    assert "random()" in nondeterminism_reason("SELECT * FROM t ORDER BY RANDOM() LIMIT 1")
    assert "'now'" in nondeterminism_reason("SELECT date('now')")
    assert "current time" in nondeterminism_reason("SELECT CURRENT_TIMESTAMP")
    assert nondeterminism_reason("SELECT 'random()' FROM t") is None


def test_hints() -> None:
    names = {"customers": ["id", "name"], "orders": ["id", "customer_id"]}
    assert explain_error("no such column: custmer_id", "SELECT custmer_id FROM orders", names) == (
        "no such column: custmer_id (did you mean customer_id?) at line 1, column 8"
    )
    assert explain_error("no such table: ordr", "SELECT 1\nFROM ordr", names) == (
        "no such table: ordr (did you mean orders?) at line 2, column 6"
    )
    assert (
        explain_error("misuse of aggregate: max()", "SELECT 1", names)
        == "misuse of aggregate: max()"
    )


def test_hint_for_a_column_of_another_table() -> None:
    names = {"customers": ["id", "name"], "orders": ["id", "status"]}
    assert explain_error("no such column: status", "SELECT status FROM customers", names) == (
        "no such column: status (it is a column of orders; check FROM, JOIN and aliases) "
        "at line 1, column 8"
    )


def test_comment_only_answer_is_invalid(sql_domain, sql_tasks, forge_sandbox) -> None:
    task = sql_tasks["hr-max-salary"]
    for text in ("```sql\n-- Add your SQL code here\n```", "```sql\n/* nothing */ ;\n```"):
        verdict = sql_domain.verify(task, sql_domain.extract(text), forge_sandbox)
        assert verdict.status == "invalid", verdict


def test_fuzzed_text_never_raises_in_the_trusted_checks() -> None:
    """Random mixes of SQL tokens and junk go through every trusted-side parser without raising."""
    import random

    from forge_sql.execute import foreign_readings

    rng = random.Random(7)
    pieces = [
        "SELECT",
        "WITH",
        "(",
        ")",
        ",",
        "'",
        '"',
        "`",
        "[",
        "]",
        ";",
        "--",
        "/*",
        "*/",
        "x",
        "FROM",
        "t",
        "JOIN",
        "ON",
        "=",
        "CASE",
        "WHEN",
        "END",
        "OVER",
        "::",
        "$$",
        "\\",
        "\x00",
        "INSERT",
        "RETURNING",
        "1e999",
        "?",
        ":a",
        "@b",
        "ARRAY[",
        "TOP",
        "ILIKE",
        "\n",
        "é",
    ]
    for _ in range(300):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
        assert check_query(text) is None or isinstance(check_query(text), str)
        nondeterminism_reason(text)
        foreign_readings(text, "syntax error")
        explain_error('near "x": syntax error', text, {"t": ["x"]})
        extract_query(f"```sql\n{text}\n```")
