"""forge.testing.DomainContract catches the traps a plugin author falls into.

Each test writes a throwaway test folder whose conftest registers a small domain in forge's
process-wide plugin manager, runs pytest on it in a subprocess (exactly as an author runs
their own suite) and checks what pytest reports.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.plugins.test_plugin_loading import SITE

CONFTEST = """
from forge.domain import Domain
from forge.hookspecs import hookimpl
from forge.plugins import get_manager
from forge.sandbox import Job, Sandbox
from forge.types import Task, Verdict

RUNNER = "forge.sandbox.runners:exec_source"


class Base(Domain):
    version = "1"
    description = "the answer is a Python expression equal to 4"

    def load_tasks(self, source):
        return [Task(id="four", domain=self.name, prompt="Write 4.")]

    def build_prompt(self, task):
        return [{"role": "user", "content": task.prompt}]

    def extract(self, text):
        return text.strip() or None

    def check(self, sandbox, artifact):
        result = sandbox.run(Job(RUNNER, {"source": f"result = {artifact!r}"}))
        return Verdict("passed" if result.value == "2+2" else "failed")

    def verify(self, task, artifact, sandbox):
        if artifact is None:
            return Verdict("invalid", message="nothing")
        return self.check(sandbox, artifact)

    def feedback(self, task, verdict, style="specific"):
        return "write 2+2"


class Honest(Base):
    name = "honest"


class OwnSandbox(Base):
    name = "own-sandbox"

    def verify(self, task, artifact, sandbox):
        if artifact is None:
            return Verdict("invalid", message="nothing")
        with Sandbox(lanes=1, disable=("seccomp",)) as mine:
            return self.check(mine, artifact)


class NoSandbox(Base):
    name = "no-sandbox"
    executables = ("sh",)  # it says it runs a program, then runs nothing in the sandbox

    def verify(self, task, artifact, sandbox):
        if artifact is None:
            return Verdict("invalid", message="nothing")
        return Verdict("passed" if artifact == "2+2" else "failed")


class NeedsTool(Base):
    name = "needs-tool"
    executables = ("forge-test-program-that-is-not-installed",)


class Plugin:
    @hookimpl
    def register_domains(self, register):
        for cls in (Honest, OwnSandbox, NoSandbox, NeedsTool):
            register(cls())


get_manager().add_plugin(Plugin(), "traps")
"""

TESTS = """
from forge.testing import DomainContract

class Answers:
    good_answers = [("four", "2+2")]
    bad_answers = [("four", "5")]

{classes}
"""


def run_contract(tmp_path: Path, *names: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run DomainContract for each domain in ``names`` in a subprocess; return pytest's output."""
    classes = "\n".join(
        f"class Test{i}(Answers, DomainContract):\n    domain_name = {name!r}\n"
        for i, name in enumerate(names)
    )
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_traps.py").write_text(textwrap.dedent(TESTS.format(classes=classes)))
    environ = {k: v for k, v in os.environ.items() if k != "CI"}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rfs", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=environ,
        timeout=300,
    )


def test_an_honest_domain_passes_and_the_traps_fail_by_name(tmp_path):
    proc = run_contract(tmp_path, "honest", "own-sandbox", "no-sandbox")
    out = proc.stdout
    assert proc.returncode == 1, out[-3000:]
    failed = sorted(line.split(" - ")[0] for line in out.splitlines() if line.startswith("FAILED"))
    assert failed == [
        "FAILED test_traps.py::Test1::test_verifies_through_the_given_sandbox",
        "FAILED test_traps.py::Test2::test_verifies_through_the_given_sandbox",
    ], out[-3000:]
    assert "domain 'own-sandbox' started a Sandbox of its own while verifying" in out
    assert "domain 'no-sandbox' declares executables but verified its answers without a job" in out


def test_missing_prerequisites_skip_with_the_reason_and_fail_under_ci(tmp_path):
    reason = (
        "domain 'needs-tool' is not ready here: the program "
        "'forge-test-program-that-is-not-installed' is not installed (not found on PATH)"
    )
    local = run_contract(tmp_path, "needs-tool")
    assert local.returncode == 0, local.stdout[-3000:]
    assert reason in local.stdout and " skipped" in local.stdout
    ci = run_contract(tmp_path, "needs-tool", CI="true")
    assert ci.returncode == 1
    assert f"{reason} (CI=true: a missing prerequisite fails)" in ci.stdout
    assert " 0 passed" not in ci.stdout and "skipped" not in ci.stdout.splitlines()[-1]


def test_unknown_domain_names_the_plugin_that_failed_to_import(tmp_path):
    (tmp_path / "test_missing.py").write_text(
        "from forge.testing import DomainContract\n\n"
        "class TestImported(DomainContract):\n    domain_name = 'imported'\n"
    )
    environ = {k: v for k, v in os.environ.items() if k != "FORGE_LOAD_PLUGINS"}
    environ["PYTHONPATH"] = str(SITE)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=environ,
        timeout=300,
    )
    assert proc.returncode == 1
    assert "Unknown domain 'imported'." in proc.stdout
    assert (
        "Plugin 'fixture-import' was skipped: failed to import fixture_import: "
        "ModuleNotFoundError: No module named 'forge_fixture_dependency_that_is_not_installed'"
    ) in proc.stdout
