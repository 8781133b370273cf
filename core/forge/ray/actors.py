"""The two kinds of Ray actor forge places on every node: a sandbox and a model replica.

Both are plain classes (``ray.remote`` is applied when the executor starts them, so this
module imports no Ray). They receive names, not objects: a domain, an engine and the extra
verifiers are looked up through forge's plugin manager *on their node*, so every node must
have forge and the same plugins installed. Tasks, artifacts, prompts, verdicts and texts
cross as plain data (frozen dataclasses, lists, strings). forge's own refusals (a domain
that is not installed there, a model that will not load) come back as
:class:`forge.ray.dispatch.Failed`, never as an exception to unpickle.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from forge.errors import ForgeError
from forge.params import SamplingParams
from forge.ray.adapters import AdapterPack, unpack
from forge.ray.dispatch import Failed
from forge.types import Message, Task, Verdict

StopSpec = tuple[str, str] | Callable[[str], bool] | None
"""How a stop rule crosses: ``("domain", name)`` (that domain's ``answer_complete`` on the
node), any picklable callable, or None."""


def _failure(exc: BaseException, doing: str) -> Failed:
    """The :class:`Failed` answer for an exception raised while ``doing`` something."""
    if isinstance(exc, ForgeError):
        return Failed(f"{doing}: {exc.one_line()}")
    return Failed(f"{doing}: {type(exc).__name__}: {exc}")


def _host() -> str:
    import socket

    return socket.gethostname()


class SandboxWorker:
    """A node's sandbox (one lane per core); verifies batches with ``verify_all``."""

    def __init__(self, lanes: int) -> None:
        from forge.sandbox import Sandbox
        from forge.sandbox.supervisor import share

        self.error: Failed | None = None
        self.sandbox: Any = None
        try:
            self.sandbox = Sandbox(lanes=lanes)
            share(self.sandbox)  # a domain's get_sandbox() on this node uses these lanes
        except Exception as exc:  # noqa: BLE001 - reported by info(), not a dead actor
            self.error = _failure(exc, "cannot start forge's sandbox")

    def info(self) -> dict[str, Any] | Failed:
        """Return this node's lanes, isolation layers and host name (or why it has none)."""
        if self.error is not None:
            return self.error
        return {"lanes": self.sandbox.lanes, "isolation": self.sandbox.isolation, "host": _host()}

    def verify(
        self,
        domain: str,
        version: str,
        tasks: Sequence[Task],
        items: Sequence[tuple[int, str | None]],
        verifiers: Sequence[str],
    ) -> list[Verdict] | Failed:
        """Return one verdict per ``(task index, artifact)`` item, in order (``verify_all``)."""
        from forge.verifiers import verify_all

        if self.error is not None:
            return self.error
        try:
            found = _domain(domain, version)
            extra = _verifiers(domain, verifiers)
        except Exception as exc:  # noqa: BLE001 - a missing plugin on this node
            return _failure(exc, "cannot verify here")
        return verify_all(found, [(tasks[i], a) for i, a in items], self.sandbox, extra)

    def close(self) -> None:
        """Stop the lanes."""
        if self.sandbox is not None:
            self.sandbox.close()


class EngineReplica:
    """One loaded model on a node; generates shares of a population, with any shipped adapter."""

    def __init__(self, engine: str, model: str, adapter: AdapterPack | None) -> None:
        self.error: Failed | None = None
        self.engines: dict[str | None, Any] = {}
        self.folders: list[Path] = []
        self.first: Any = None
        try:
            cls = _engine_class(engine)
            self.first = cls.load(model, adapter=self._unpack(adapter))
            self.engines[adapter.key if adapter else None] = self.first
        except Exception as exc:  # noqa: BLE001 - reported by info(), not a dead actor
            self.error = _failure(exc, f"cannot load model '{model}' with engine '{engine}'")

    def info(self, adapter: AdapterPack | None = None) -> dict[str, Any] | Failed:
        """Load ``adapter`` if new; return that engine's identity and description."""
        if self.error is not None:
            return self.error
        try:
            engine = self._engine(adapter)
        except Exception as exc:  # noqa: BLE001 - a bad adapter is reported
            return _failure(exc, "cannot load the adapter")
        return {"identity": dict(engine.identity), "describe": engine.describe(), "host": _host()}

    def generate(
        self,
        adapter: AdapterPack | None,
        prompts: Sequence[Sequence[Message]],
        counts: Sequence[int],
        params: SamplingParams,
        stop: StopSpec,
    ) -> list[list[str]] | Failed:
        """Return ``counts[i]`` completions of each prompt (the engine's own ``generate``)."""
        if self.error is not None:
            return self.error
        try:
            engine = self._engine(adapter)
            rule = _stop_rule(stop)
        except Exception as exc:  # noqa: BLE001 - a missing plugin or bad adapter here
            return _failure(exc, "cannot generate here")
        return engine.generate(list(prompts), n=list(counts), params=params, stop=rule)

    def _engine(self, adapter: AdapterPack | None) -> Any:
        """The engine with ``adapter`` (None: the base model), made from the first one once."""
        key = adapter.key if adapter else None
        if key not in self.engines:
            self.engines[key] = self.first.with_adapter(self._unpack(adapter))
        return self.engines[key]

    def _unpack(self, adapter: AdapterPack | None) -> Path | None:
        if adapter is None:
            return None
        folder = unpack(adapter)
        self.folders.append(folder)
        return folder

    def close(self) -> None:
        """Delete this node's copies of the adapters (their weights are loaded already)."""
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)


def _domain(name: str, version: str) -> Any:
    """Return the domain ``name`` installed on this node; it must be the driver's version."""
    from forge.plugins import get_manager

    domain = get_manager().domain(name)
    if str(domain.version) != str(version):
        raise ForgeError(
            f"domain '{name}' is version {domain.version} here but {version} on the driver.",
            "Install the same forge and plugins on every node.",
        )
    return domain


def _verifiers(domain: str, names: Sequence[str]) -> list[Any]:
    """Return the extra verifiers ``names`` attached to ``domain`` on this node, in order."""
    from forge.plugins import get_manager

    here = {v.name: v for v in get_manager().registry().verifiers.get(domain, [])}
    absent = [n for n in names if n not in here]
    if absent:
        raise ForgeError(
            f"extra verifier(s) {', '.join(absent)} of domain '{domain}' are not installed here.",
            "Install the same forge and plugins on every node.",
        )
    return [here[n] for n in names]


def _engine_class(name: str) -> Any:
    """Return the engine class ``name`` registered on this node, if it can run here."""
    from forge.errors import UnknownNameError
    from forge.plugins import get_manager

    engines = get_manager().registry().engines
    if name not in engines:
        raise UnknownNameError("engine", name, engines, label="Installed on this node")
    missing = engines[name].missing()
    if missing:
        raise ForgeError(f"engine '{name}' cannot run here: {missing}")
    return engines[name]


def _stop_rule(stop: StopSpec) -> Callable[[str], bool] | None:
    """Rebuild the stop rule: a domain's ``answer_complete`` is looked up on this node."""
    if isinstance(stop, tuple):
        from forge.plugins import get_manager

        _, name = stop
        return get_manager().domain(name).answer_complete
    return stop
