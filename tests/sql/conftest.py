"""Shared fixtures for the sql domain tests: a domain with short limits and its tasks."""

from __future__ import annotations

from pathlib import Path

import pytest

from forge.types import Task
from forge_sql.domain import SqlDomain

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def sql_domain() -> SqlDomain:
    """The sql domain with a 1.5 s query limit, so runaway queries end quickly in tests."""
    return SqlDomain(wall_s=1.5, memory_mb=256)


@pytest.fixture(scope="session")
def sql_tasks(sql_domain: SqlDomain) -> dict[str, Task]:
    """Built-in tasks plus the fixture task files (PostgreSQL dump, tiny SQLite DB), by id."""
    tasks = sql_domain.load_tasks(None)
    tasks += sql_domain.load_tasks(str(FIXTURES / "library_tasks.yaml"))
    tasks += sql_domain.load_tasks(str(FIXTURES / "tiny_tasks.jsonl"))
    return {t.id: t for t in tasks}
