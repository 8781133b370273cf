"""The EngineHost seam: an executor that hosts the engine gets every load, fresh and resumed.

A hosting executor (the Ray one is the real user) wraps the scripted engine of the loop
test plugin; the session must load through it, get the AFTER phases' adapter through the
hosted engine's ``with_adapter``, and fall back to a local load when it returns None.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

from forge.hookspecs import hookimpl
from forge.protocols import EngineHost
from forge.session import Session

from .loop_support import InlineExecutor, Script, ScriptedEngine, config, loop_plugin


class Hosted:
    """An engine 'running elsewhere': records what it was asked, delegates to the real one."""

    name: ClassVar[str] = "hosted"

    def __init__(self, inner: ScriptedEngine, log: list) -> None:
        self.inner, self.log = inner, log
        self.identity = {**inner.identity, "hosted": True}

    def generate(self, prompts, n=1, params=None, stop=None, progress=None):
        self.log.append(("generate", self.inner.adapter))
        return self.inner.generate(prompts, n, params, stop, progress)

    def with_adapter(self, adapter: Path | None) -> Hosted:
        self.log.append(("with_adapter", adapter))
        return Hosted(self.inner.with_adapter(adapter), self.log)

    def describe(self) -> str:
        return f"hosted {self.inner.describe()}"


class HostingExecutor(InlineExecutor):
    """Inline verification; hosts the engine unless ``host`` is False."""

    name: ClassVar[str] = "hosting"
    host: ClassVar[bool] = True
    log: ClassVar[list] = []

    def load_engine(self, engine, model, *, adapter=None, progress=None):
        self.log.append(("load", engine.name, model, adapter))
        if not self.host:
            return None
        return Hosted(engine.load(model, adapter=adapter), self.log)


class HostingPlugin:
    @hookimpl
    def register_executors(self, register):
        register(HostingExecutor)


@pytest.fixture(autouse=True)
def _plugin():
    ScriptedEngine.script = Script()
    HostingExecutor.log = []
    with loop_plugin(("hosting-test", HostingPlugin())):
        yield


def test_the_session_loads_through_the_host_and_ships_the_adapter(tmp_path) -> None:
    assert isinstance(HostingExecutor(), EngineHost)
    lines: list[str] = []
    cfg = config(executor={"name": "hosting"})
    with Session.open(cfg, out=tmp_path, echo=lines.append) as session:
        summary = session.run()
        model = session.store.get_meta("model")
    log = HostingExecutor.log
    assert log[0] == ("load", "scripted", cfg.model.name, None)
    assert [e for e in log if e[0] == "load"] == [log[0]], "loaded once"
    adapter = Path(summary["adapter"])
    assert ("with_adapter", adapter) in log
    assert ("generate", None) in log and ("generate", adapter) in log, "AFTER used the adapter"
    assert model["hosted"] is True
    assert "  engine: hosted scripted (adapter None)" in lines


def test_a_resumed_run_loads_the_phases_engine_through_the_host(tmp_path) -> None:
    cfg = config(executor={"name": "hosting"})
    with Session.open(cfg, out=tmp_path / "ref", echo=lambda s: None) as session:
        session.run()
    calls = [adapter for kind, adapter in HostingExecutor.log[1:] if kind == "generate"]
    first_after = 1 + next(i for i, adapter in enumerate(calls) if adapter is not None)
    ScriptedEngine.script = Script(fail_on_call=first_after)
    with Session.open(cfg, out=tmp_path, echo=lambda s: None) as session:
        run_dir = session.run_dir
        with pytest.raises(KeyboardInterrupt):
            session.run()
        trained = session.store.get_meta("adapter")
    assert trained, "cut after TRAIN, in an AFTER phase"
    HostingExecutor.log = []
    ScriptedEngine.script = Script()
    with Session.open(cfg, run_dir, echo=lambda s: None) as session:
        session.run()
    loads = [e for e in HostingExecutor.log if e[0] == "load"]
    assert loads == [("load", "scripted", cfg.model.name, Path(trained))]


def test_a_host_returning_none_leaves_the_engine_local(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(HostingExecutor, "host", False)
    lines: list[str] = []
    with Session.open(config(executor={"name": "hosting"}), out=tmp_path, echo=lines.append) as s:
        s.run()
    assert HostingExecutor.log and all(e[0] == "load" for e in HostingExecutor.log)
    assert "  engine: scripted (adapter None)" in lines
