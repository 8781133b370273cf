"""Shared fixtures for the math domain's tests."""

from __future__ import annotations

import pytest

from forge_math.domain import MathDomain


@pytest.fixture(scope="session")
def domain() -> MathDomain:
    """The math domain, built directly (the plugin path is tested in test_plugin.py)."""
    return MathDomain()


@pytest.fixture(scope="session")
def builtin(domain: MathDomain) -> dict:
    """The built-in tasks by id."""
    return {t.id: t for t in domain.load_tasks(None)}
