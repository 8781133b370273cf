"""Shared fixtures for the code domain's tests."""

from __future__ import annotations

import pytest

from forge_code.domain import CodeDomain


@pytest.fixture(scope="session")
def domain() -> CodeDomain:
    """The code domain, built directly (the plugin path is tested in test_plugin.py)."""
    return CodeDomain()


@pytest.fixture(scope="session")
def builtin(domain: CodeDomain) -> dict:
    """The 20 built-in tasks by id."""
    return {t.id: t for t in domain.load_tasks(None)}


@pytest.fixture(scope="session")
def humaneval(forge_sandbox) -> dict:
    """All 164 HumanEval tasks by id (converted once, cached under FORGE_HOME)."""
    from forge_code.humaneval.loader import convert_all, read_problems

    return {t.id: t for t in convert_all(read_problems(), forge_sandbox)}
