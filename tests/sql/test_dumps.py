"""Databases given as dumps in another dialect are transpiled to SQLite with sqlglot."""

from __future__ import annotations

import sqlite3

import pytest

from forge.errors import TaskFormatError
from forge_sql.databases import database_path
from forge_sql.dumps import convert_dump, split_statements

from .conftest import FIXTURES


def test_pg_dump_fixture_loads_tables_and_rows() -> None:
    """pg_dump-style text (COPY blocks, public. prefixes, nextval defaults, $$ bodies) builds."""
    path = database_path({"sql": [str(FIXTURES / "pg_library.sql")], "dialect": "postgres"})
    conn = sqlite3.connect(path)
    try:
        authors = conn.execute("SELECT id, name, country FROM authors ORDER BY id").fetchall()
        books = conn.execute("SELECT id, price, in_print FROM books ORDER BY id").fetchall()
    finally:
        conn.close()
    assert authors == [
        (1, "Ursula K. Le Guin", "US"),
        (2, "Stanisław Lem", "PL"),
        (3, "Octavia E. Butler", None),
        (4, "Tab\tName", "GB"),
    ]
    assert books[0] == (1, 12.5, 1) and books[-1] == (5, None, 0)


def test_splitter_respects_quotes_comments_and_dollar_bodies() -> None:
    text = "SELECT ';' -- x;\n; CREATE FUNCTION f() AS $$ a; b; $$; /* ; */ COPY t (a) FROM stdin;\n1\n\\.\nSELECT 2;"
    parts = list(split_statements(text))
    assert [p[0].split()[0] for p in parts] == ["SELECT", "CREATE", "COPY", "SELECT"]
    assert parts[2][1] == ["1"]


def test_mysql_dump_transpiles() -> None:
    text = (
        "CREATE TABLE `t` (`id` int(11) NOT NULL AUTO_INCREMENT, `name` varchar(20), PRIMARY KEY (`id`)) "
        "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\nINSERT INTO `t` VALUES (1,'a'),(2,'b\\'c');\nLOCK TABLES `t` WRITE;"
    )
    conn = sqlite3.connect(":memory:")
    for stmt in convert_dump(text, "mysql"):
        conn.execute(stmt.sql)
    assert conn.execute("SELECT * FROM t ORDER BY id").fetchall() == [(1, "a"), (2, "b'c")]


def test_unreadable_statement_names_the_source() -> None:
    with pytest.raises(TaskFormatError, match=r"my\.sql: cannot read this postgres statement"):
        convert_dump("CREATE TABLE ((( broken;", "postgres", "my.sql")


def test_postgres_task_file_verifies(sql_domain, sql_tasks, forge_sandbox) -> None:
    """A task over a PostgreSQL dump, with a PostgreSQL gold query, checks SQLite answers."""
    task = sql_tasks["lib-books-per-author"]
    assert task.data["dialect"] == "postgres" and "CAST(" in task.data["gold"]
    good = (
        "SELECT a.name, COUNT(b.id) AS n FROM authors a LEFT JOIN books b ON b.author_id = a.id "
        "GROUP BY a.id ORDER BY n DESC, a.name"
    )
    assert sql_domain.verify(task, good, forge_sandbox).status == "passed"
    wrong = good.replace("LEFT JOIN", "JOIN")
    verdict = sql_domain.verify(task, wrong, forge_sandbox)
    assert verdict.status == "failed"
    assert "missing row ('Tab\\tName', 0)" in sql_domain.feedback(task, verdict)
