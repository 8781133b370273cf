"""Every event hook, fired through pluggy by a real Session: order, arguments, tracing, wrappers."""

from __future__ import annotations

import types

import pytest

from forge.hookspecs import hookimpl
from forge.session import Session

from .loop_support import Script, ScriptedEngine, config, loop_plugin

EVENT_HOOKS = ("run_started", "phase_finished", "candidate_verified", "run_finished")


class Recorder:
    """Records every event hook call with the arguments it received."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    @hookimpl
    def run_started(self, run):
        self.calls.append(("run_started", {"run": run}))

    @hookimpl
    def phase_finished(self, run, phase, stats):
        self.calls.append(("phase_finished", {"phase": phase, "stats": stats}))

    @hookimpl
    def candidate_verified(self, run, candidate, verdict):
        self.calls.append(("candidate_verified", {"candidate": candidate, "verdict": verdict}))

    @hookimpl
    def run_finished(self, run, summary):
        self.calls.append(("run_finished", {"summary": summary, "dir": run.dir}))


def _run(tmp_path, *plugins, echo=lambda s: None):
    ScriptedEngine.script = Script()
    with loop_plugin(*plugins):
        with Session.open(config(), out=tmp_path, echo=echo) as session:
            return session.run()


def test_every_event_hook_has_this_test() -> None:
    from forge import hookspecs

    specs = {n for n in dir(hookspecs) if hasattr(getattr(hookspecs, n), "forge_spec")}
    assert {n for n in specs if not n.startswith("register_")} == set(EVENT_HOOKS)


def test_event_hooks_fire_in_order_with_their_arguments(tmp_path) -> None:
    rec = Recorder()
    summary = _run(tmp_path, ("recorder", rec))
    names = [n for n, _ in rec.calls]
    assert names[0] == "run_started" and names[-1] == "run_finished"
    assert rec.calls[0][1]["run"].phases == summary["phase_list"]
    finished = [kw["phase"] for n, kw in rec.calls if n == "phase_finished"]
    assert finished == summary["phase_list"]
    verified = [kw for n, kw in rec.calls if n == "candidate_verified"]
    assert verified and all(kw["verdict"].status in ("passed", "failed") for kw in verified)
    assert rec.calls[-1][1]["summary"] == summary
    assert (rec.calls[-1][1]["dir"] / "summary.json").is_file(), (
        "run_finished comes after summary.json"
    )


def test_a_failing_event_hook_warns_once_and_the_run_goes_on(tmp_path) -> None:
    calls = []

    def candidate_verified(candidate):
        calls.append(candidate.id)
        raise RuntimeError("observer bug")

    buggy = types.SimpleNamespace(candidate_verified=hookimpl(candidate_verified))
    lines: list[str] = []
    summary = _run(tmp_path, ("buggy", buggy), echo=lines.append)
    assert summary["phases"]["after"]["total"] == 6 and len(calls) > 8
    warnings = [ln for ln in lines if ln.startswith("Warning:")]
    assert warnings == [
        "Warning: plugin 'buggy' failed in candidate_verified: RuntimeError: observer bug "
        "(the run goes on; further errors not shown)"
    ]


def test_a_wrapper_event_hook_runs(tmp_path) -> None:
    """A ``wrapper=True`` implementation runs (forge calls event hooks through pluggy)."""
    seen: list[str] = []

    class Wrapper:
        @hookimpl(wrapper=True)
        def phase_finished(self, phase):
            seen.append(f"enter {phase}")
            result = yield
            seen.append(f"exit {phase}")
            return result

    summary = _run(tmp_path, ("wrapper", Wrapper()))
    assert seen == [f"{step} {p}" for p in summary["phase_list"] for step in ("enter", "exit")]


def test_trace_shows_event_hooks(tmp_path, monkeypatch, capsys) -> None:
    from forge import plugins

    monkeypatch.setenv("FORGE_TRACE_HOOKS", "1")
    manager = plugins.PluginManager()
    manager.load_entry_points()
    monkeypatch.setattr(plugins, "_manager", manager)
    rec = Recorder()
    _run(tmp_path, ("recorder", rec))
    err = capsys.readouterr().err
    for hook in EVENT_HOOKS:
        assert f"forge-trace: {hook}(" in err and "'recorder'" in err, hook


@pytest.mark.parametrize("hook", EVENT_HOOKS)
def test_hook_is_documented_with_a_run_test(hook) -> None:
    """Meta-test: each event hook is in the hook reference and exercised above."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "plugins" / "hooks.md").read_text()
    assert f"\n## {hook}(" in doc
