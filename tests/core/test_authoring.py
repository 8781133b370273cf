"""Plugin-authoring traps: prerequisites, plugin faults named, and unknown names explained.

Each test registers a small domain in the process-wide plugin manager (removed afterwards)
and drives the real Session or CLI, so what a plugin author sees is what is asserted.
"""

from __future__ import annotations

import types
from collections.abc import Iterator

import pytest

from forge import plugin_calls
from forge.cli.info import _domain_lines
from forge.errors import PluginError
from forge.hookspecs import hookimpl
from forge.plugins import PluginInfo, PluginManager, get_manager
from forge.readiness import NotReadyError, problems, require_ready
from forge.session import Session
from forge.types import Task, Verdict
from forge.verifiers import verify_all

from .loop_support import ArithDomain, config, loop_plugin
from .test_cli import run_cli

MISSING = "forge-test-program-that-is-not-installed"
NOT_READY = (
    "Error: The domain 'needs-tool' (plugin 'needs') cannot run here: the program "
    f"'{MISSING}' is not installed (not found on PATH); install it with: apt-get install "
    "forge-test-tool. Install what is missing, then check with 'forge doctor'.\n"
)


class NeedsTool(ArithDomain):
    """The arith domain, declaring a program this machine does not have."""

    name = "needs-tool"
    executables = ("sh", MISSING)

    def prerequisites(self):
        return [
            f"{p}; install it with: apt-get install forge-test-tool"
            for p in super().prerequisites()
        ]


class BrokenCheck(ArithDomain):
    name = "broken-check"

    def prerequisites(self):
        raise RuntimeError("cannot look")


class SloppyDomain(ArithDomain):
    """Makes the mistakes plugin authors make: a Verdict with a message where cases go,
    a Task with an int id, a feedback that raises, a score out of range."""

    name = "sloppy"

    def load_tasks(self, source):
        if source and source.endswith("int-id.jsonl"):
            return [Task(id=5, domain="sloppy", prompt="p")]
        return super().load_tasks(source)

    def verify(self, task, artifact, sandbox):
        return Verdict("failed", "the sum is wrong")

    def feedback(self, task, verdict, style="specific"):
        raise KeyError("expected")

    def score(self, verdict):
        return 7


def _plugin(domain) -> types.SimpleNamespace:
    return types.SimpleNamespace(register_domains=hookimpl(lambda register: register(domain)))


@pytest.fixture(autouse=True)
def _plugins() -> Iterator[None]:
    extra = [("needs", _plugin(NeedsTool())), ("broken-check", _plugin(BrokenCheck()))]
    with loop_plugin(*extra, ("sloppy", _plugin(SloppyDomain()))):
        yield


# ----- prerequisites ---------------------------------------------------------------------------
def test_default_prerequisites_name_each_missing_program() -> None:
    assert ArithDomain().prerequisites() == []
    assert NeedsTool().prerequisites() == [
        f"the program '{MISSING}' is not installed (not found on PATH); "
        "install it with: apt-get install forge-test-tool"
    ]
    absolute = type("Abs", (ArithDomain,), {"executables": ("/bin/sh", "/no/such/tool")})()
    assert absolute.prerequisites() == [
        "the program '/no/such/tool' is not installed (not found on PATH)"
    ]


def test_a_prerequisites_bug_is_a_problem_naming_the_plugin() -> None:
    assert problems(BrokenCheck()) == [
        "domain 'broken-check' (plugin 'broken-check') failed in prerequisites(): "
        "RuntimeError: cannot look"
    ]
    with pytest.raises(NotReadyError):
        require_ready(BrokenCheck())


def test_a_run_whose_domain_is_not_ready_stops_before_any_phase(tmp_path) -> None:
    with pytest.raises(NotReadyError) as err:
        Session.open(config(domain="needs-tool"), out=tmp_path, echo=lambda s: None)
    assert f"Error: {err.value.one_line()}\n" == NOT_READY
    assert list(tmp_path.iterdir()) == []  # no run folder, no phase


def test_forge_run_and_verify_say_what_to_install_in_one_line(capsys, tmp_path) -> None:
    code, out, err = run_cli(
        capsys, "run", "-d", "needs-tool", "--engine", "scripted", "--out", str(tmp_path)
    )
    assert (code, out, err) == (2, "", NOT_READY)
    candidate = tmp_path / "a.txt"
    candidate.write_text("3")
    code, out, err = run_cli(
        capsys, "verify", "-d", "needs-tool", "--task", "add1", "-c", str(candidate)
    )
    assert (code, out, err) == (2, "", NOT_READY)


def test_doctor_shows_each_domain_ready_or_what_it_needs() -> None:
    lines = dict(_domain_lines())
    assert lines["domain arith"] == "ready"
    assert lines["domain needs-tool"] == (
        f"not ready: the program '{MISSING}' is not installed (not found on PATH); "
        "install it with: apt-get install forge-test-tool"
    )
    assert lines["domain broken-check"].startswith("not ready: domain 'broken-check' (plugin")


# ----- plugin faults name the plugin -----------------------------------------------------------
def test_a_verdict_built_wrong_is_an_error_verdict_naming_the_plugin() -> None:
    [verdict] = verify_all(SloppyDomain(), [(Task("t", "sloppy", "p"), "3")], None)
    assert verdict.status == "error"
    assert verdict.message == (
        "domain 'sloppy' (plugin 'sloppy') failed while verifying: TypeError: Verdict.cases "
        "must be a tuple of CaseResult, not str 'the sum is wrong' (pass text as message=...)"
    )
    assert verdict.extra["plugin_error"] == "sloppy"


def test_forge_verify_prints_the_plugin_fault_and_falls_back(capsys, tmp_path) -> None:
    candidate = tmp_path / "a.txt"
    candidate.write_text("3")
    code, out, err = run_cli(
        capsys, "verify", "-d", "sloppy", "--task", "add1", "-c", str(candidate)
    )
    assert code == 1
    assert err.splitlines() == [
        "Warning: domain 'sloppy' (plugin 'sloppy') failed while verifying: TypeError: "
        "Verdict.cases must be a tuple of CaseResult, not str 'the sum is wrong' "
        "(pass text as message=...)",
        "Warning: domain 'sloppy' (plugin 'sloppy') failed in feedback(): KeyError: "
        "'expected'; score-only feedback is used instead",
    ]
    assert "add1: ERROR" in out and "The answer did not pass." in out


def test_a_task_built_wrong_stops_with_one_line_naming_the_plugin(capsys, tmp_path) -> None:
    tasks = tmp_path / "int-id.jsonl"
    tasks.write_text("{}\n")
    code, out, err = run_cli(capsys, "tasks", "-d", "sloppy", "-t", str(tasks))
    assert (code, out) == (2, "")
    assert err == (
        "Error: The domain 'sloppy' (plugin 'sloppy') failed to load tasks: TypeError: "
        "Task.id must be str, not int 5\n"
    )


def test_a_loader_returning_non_tasks_is_named() -> None:
    with pytest.raises(PluginError) as err:
        plugin_calls.load_tasks("task loader 'x:y' (plugin 'p')", lambda: [{"id": "a"}])
    assert err.value.one_line() == (
        "The task loader 'x:y' (plugin 'p') returned dict {'id': 'a'} as a task; "
        "it must return forge.Task objects."
    )


def test_feedback_and_score_faults_warn_once_and_fall_back() -> None:
    warned: list[tuple[str, str]] = []
    task, verdict = Task("t", "sloppy", "p"), Verdict("failed")
    domain = SloppyDomain()
    for _ in range(2):
        assert plugin_calls.feedback(domain, task, verdict, "specific", lambda *a: warned.append(a))
        assert plugin_calls.score(domain, verdict, lambda *a: warned.append(a)) == 0.0
    assert [key for key, _ in warned] == ["feedback", "score"] * 2  # the session dedupes by key
    assert warned[1][1] == (
        "domain 'sloppy' (plugin 'sloppy') failed in score(): TypeError: score() returned 7, "
        "not a number in [0, 1]; the public pass rate is used instead"
    )


def test_a_run_warns_once_about_a_plugin_fault_and_goes_on(tmp_path) -> None:
    lines: list[str] = []
    with Session.open(config(domain="sloppy"), out=tmp_path, echo=lines.append) as session:
        session.run()
    warnings = [line for line in lines if line.startswith("Warning:")]
    assert len(warnings) == 4, warnings  # verify, feedback, score, repair_prompt: once each
    assert all("(the run goes on; further errors not shown)" in w for w in warnings)


# ----- unknown names explained -----------------------------------------------------------------
def test_unknown_domain_names_the_plugins_that_failed_to_load() -> None:
    pm = PluginManager()
    pm.plugins["simulator"] = PluginInfo(
        name="simulator",
        module="forge_simulator.plugin",
        error="failed to import forge_simulator.plugin: ModuleNotFoundError: No module named 'x'",
    )
    with pytest.raises(Exception) as err:
        pm.domain("simulator")
    assert str(err.value) == (
        "Unknown domain 'simulator'. Installed: none. Plugin 'simulator' was skipped: failed to "
        "import forge_simulator.plugin: ModuleNotFoundError: No module named 'x'"
    )


def test_unknown_domain_in_the_cli_names_the_failed_plugin(capsys) -> None:
    manager = get_manager()
    manager.registry()
    manager.plugins["simulator"] = PluginInfo(
        name="simulator", module="forge_simulator.plugin", error="failed to import forge_simulator"
    )
    try:
        for argv in (
            ("tasks", "-d", "simulator"),
            ("run", "-d", "simulator", "--engine", "scripted"),
        ):
            code, _, err = run_cli(capsys, *argv)
            assert code == 2
            assert err.endswith(
                "Plugin 'simulator' was skipped: failed to import forge_simulator\n"
            ), err
    finally:
        manager.plugins.pop("simulator")


def test_a_plugin_left_out_by_forge_load_plugins_is_named(monkeypatch) -> None:
    from importlib import metadata

    fake = metadata.EntryPoint("simulator", "forge_simulator.plugin", "forge")
    monkeypatch.setattr("forge.plugins._entry_points", lambda: [fake])
    monkeypatch.setenv("FORGE_LOAD_PLUGINS", "code")
    pm = PluginManager()
    with pytest.raises(Exception) as err:
        pm.domain("simulator")
    assert str(err.value).endswith(
        "Plugin 'simulator' is installed but FORGE_LOAD_PLUGINS leaves it out."
    )
    with pytest.raises(Exception) as err:
        pm.domain("cod")
    assert "FORGE_LOAD_PLUGINS" not in str(err.value)
