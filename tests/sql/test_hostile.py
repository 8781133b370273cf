"""Hostile queries end in the right verdict and leave every database file unchanged.

Each query goes through the whole domain (static guard + sandbox). The second test skips
the static guard and sends writes straight to the sandboxed runner on a file path, to show
the engine's own protection (read-only open + authorizer) holds by itself.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from forge_sql.databases import database_path
from forge_sql.execute import limits, run_queries

TASK = "shop-shipped-count"
HOSTILE = [
    ("INSERT INTO orders VALUES (999, 1, '2024-01-01', 'shipped')", "rejected"),
    ("UPDATE orders SET status = 'shipped'", "rejected"),
    ("DELETE FROM orders", "rejected"),
    ("DROP TABLE orders", "rejected"),
    ("CREATE TEMP TABLE x AS SELECT * FROM orders", "rejected"),
    ("SELECT 1; DELETE FROM orders", "rejected"),
    ("SELECT 1 /* ; */; -- \nUPDATE orders SET status = ''", "rejected"),
    ("SELECT COUNT(*) FROM orders\x00; DELETE FROM orders", "rejected"),
    ("WITH d AS (DELETE FROM orders RETURNING id) SELECT COUNT(*) FROM d", "rejected"),
    ("WITH d AS (SELECT 1) INSERT INTO orders SELECT * FROM orders", "rejected"),
    ("ATTACH DATABASE 'file:/tmp/forge-sql-evil.db' AS evil", "rejected"),
    ("PRAGMA query_only = OFF", "rejected"),
    ("VACUUM INTO '/tmp/forge-sql-copy.db'", "rejected"),
    ("SELECT load_extension('/tmp/evil.so')", "rejected"),
    ("SELECT COUNT(*) FROM orders ORDER BY random()", "rejected"),
    (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c",
        "timeout",
    ),
    ("SELECT COUNT(*) FROM orders a, orders b, orders c, orders d, orders e, orders f", "timeout"),
    ("SELECT length(printf('%.*c', 2000000000, 'x'))", "timeout"),
    ("SELECT length(zeroblob(2000000000))", "error"),
    ("SELECT length(group_concat(printf('%.10000c', 'x'))) FROM orders a, orders b", "error"),
    ("SELECT " + "(" * 5000 + "1" + ")" * 5000, "rejected"),
    ("SELECT " + "- " * 5000 + "1", "error"),
    ("SELECT " + "1 + " * 4000 + "1", "error"),
    ("SELECT * FROM orders a, orders b, orders c", "failed"),
]


def _digests(task) -> list[str]:
    specs = [task.data["database"], *task.data["hidden_databases"]]
    return [hashlib.sha256(database_path(s).read_bytes()).hexdigest() for s in specs]


@pytest.mark.parametrize("query,status", HOSTILE, ids=[f"{i}" for i in range(len(HOSTILE))])
def test_hostile_query_verdict(query, status, sql_domain, sql_tasks, forge_sandbox) -> None:
    """The verdict status is as expected, feedback says why, and the databases are unchanged."""
    task = sql_tasks[TASK]
    before = _digests(task)
    verdict = sql_domain.verify(task, query, forge_sandbox)
    assert verdict.status == status, (verdict.status, verdict.message)
    assert sql_domain.feedback(task, verdict).strip()
    assert sql_domain.score(verdict) < 0.5
    assert _digests(task) == before


WRITES = [
    "DELETE FROM orders",
    "UPDATE orders SET status = 'x'",
    "INSERT INTO orders VALUES (999, 1, '2024-01-01', 'x')",
    "DROP TABLE orders",
    "CREATE TABLE t (x)",
    "ATTACH DATABASE '/tmp/forge-sql-evil.db' AS evil",
    "VACUUM INTO '/tmp/forge-sql-copy.db'",
    "PRAGMA writable_schema = ON",
    "SELECT load_extension('/tmp/evil.so')",
    "SELECT 1; DELETE FROM orders",
]


def test_engine_refuses_writes_in_process(sql_tasks) -> None:
    """Writes given straight to the runner (no static check, no sandbox) are refused by SQLite.

    Runs the runner in this process on a file path and on an in-memory image, so only the
    engine's own protection (read-only open, authorizer, engine limits) is in play.
    """
    from forge_sql.runner import run_query

    db = database_path(sql_tasks[TASK].data["database"])
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    for source in ({"db": str(db)}, {"db_image": db.read_bytes()}):
        for query in WRITES:
            result = run_query({"query": query, **source})
            assert result["ok"] is False, (query, result)
        ok = run_query({"query": "SELECT COUNT(*) FROM orders", **source})
        assert ok["ok"] and ok["rows"][0][0] > 0
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert not Path("/tmp/forge-sql-evil.db").exists()
    assert not Path("/tmp/forge-sql-copy.db").exists()


def test_engine_refuses_writes_in_the_sandbox(sql_tasks, forge_sandbox) -> None:
    """The same writes, sent through the sandbox without the static guard, are refused."""
    db = database_path(sql_tasks[TASK].data["database"])
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    for query in WRITES:
        (outcome,) = run_queries(forge_sandbox, query, [db], 10, limits(2.0))
        assert outcome.status in ("rejected", "error"), (query, outcome)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    (outcome,) = run_queries(forge_sandbox, "SELECT COUNT(*) FROM orders", [db], 10, limits(2.0))
    assert outcome.status == "ok" and outcome.rows[0][0] > 0


def test_sqlite_heap_limit_is_a_memory_verdict(sql_tasks, forge_sandbox) -> None:
    """A sort too big for SQLite's own heap limit ends as ``memory``, not as a crash."""
    db = database_path(sql_tasks[TASK].data["database"])
    query = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 3000000) "
        "SELECT x, printf('%.100c', 'y') FROM c ORDER BY -x"
    )
    (outcome,) = run_queries(forge_sandbox, query, [db], 10, limits(5.0, memory_mb=128))
    assert outcome.status == "memory", outcome


def test_a_query_sqlglot_parses_in_exponential_time_gets_a_verdict_quickly(
    sql_domain, sql_tasks, forge_sandbox
) -> None:
    """sqlglot's time doubles with each JOIN without ON; 30 of them hung forge verify.
    Every parse of candidate text is now bounded (forge.deadline), and the engine judges."""
    import time

    query = "SELECT COUNT(*) FROM orders o" + " JOIN orders o" * 30
    start = time.monotonic()
    verdict = sql_domain.verify(sql_tasks[TASK], query, forge_sandbox)
    assert time.monotonic() - start < 15
    assert verdict.status in ("error", "timeout"), (verdict.status, verdict.message)
