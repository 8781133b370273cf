"""Tests for forge-import-guard: the check on its own, and combined with the code domain."""

from __future__ import annotations

import pytest
from forge.plugins import get_manager
from forge.types import Verdict
from forge.verifiers import verify_all

from forge_import_guard.guard import ImportGuard, allowed_from_env

SOLUTION = "def add(a, b):\n    return a + b\n"


@pytest.fixture(scope="module")
def guard() -> ImportGuard:
    return ImportGuard()


def test_allowed_imports_pass_without_adding_cases(guard, forge_sandbox):
    verdict = guard.check(None, "import math\nfrom collections import deque\n", None, forge_sandbox)
    assert verdict.status == "passed" and verdict.cases == ()


def test_each_disallowed_import_is_a_failing_case(guard, forge_sandbox):
    source = "import os, math\nfrom subprocess import run\nfrom . import x\n__import__('sys')\n"
    verdict = guard.check(None, source, None, forge_sandbox)
    assert verdict.status == "failed"
    assert [c.message for c in verdict.cases] == [
        "line 1 imports 'os', which is not on the allow-list",
        "line 2 imports 'subprocess', which is not on the allow-list",
        "line 3 uses a relative import, which is not on the allow-list",
        "line 4 calls __import__(), which can import or run anything",
    ]


def test_code_that_does_not_parse_adds_nothing(guard, forge_sandbox):
    assert guard.check(None, "def (:", None, forge_sandbox) is None


def test_allow_list_from_the_environment(monkeypatch):
    monkeypatch.setenv("FORGE_IMPORT_GUARD_ALLOW", "numpy, pandas")
    assert {"numpy", "pandas", "math"} <= allowed_from_env()
    assert "os" not in ImportGuard().allowed


def test_installed_plugin_attaches_to_code():
    verifiers = get_manager().registry().verifiers["code"]
    assert [v.name for v in verifiers] == ["import-guard"]


def test_combined_with_the_code_domain(forge_sandbox):
    """A solution that passes every test but imports os ends as failed, naming the import."""
    manager = get_manager()
    code = manager.domain("code")
    task = {t.id: t for t in code.load_tasks(None)}["add"]
    verifiers = manager.registry().verifiers["code"]
    clean, dirty = verify_all(
        code, [(task, SOLUTION), (task, "import os\n" + SOLUTION)], forge_sandbox, verifiers
    )
    assert clean.status == "passed"
    assert clean.extra["verifiers"] == {"import-guard": "passed"}
    assert dirty.status == "failed"
    assert dirty.extra["verifiers"] == {"import-guard": "failed"}
    assert dirty.message == "import-guard: line 1 imports 'os', which is not on the allow-list"
    failing = [c for c in dirty.cases if not c.passed]
    assert [c.name for c in failing] == ["import-guard: import os"]
    assert isinstance(dirty, Verdict) and code.score(dirty) < 1.0
