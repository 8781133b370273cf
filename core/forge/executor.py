"""The built-in executor: verification on this machine's sandbox lanes.

:class:`LocalExecutor` implements :class:`forge.protocols.Executor` over one
:class:`forge.sandbox.Sandbox`, and is registered by this module's ``register_executors``
hook (entry point ``local``) exactly as a plugin's executor would be. While it is open its
sandbox is the process-wide shared one, so task loaders that run jobs (HumanEval's expected
values) use the same lanes instead of starting a second pool.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, ClassVar

from forge.hookspecs import hookimpl
from forge.types import Task, Verdict

if TYPE_CHECKING:
    from forge.config import RunConfig
    from forge.domain import Domain
    from forge.protocols import Verifier
    from forge.sandbox import Sandbox


class LocalExecutor:
    """Verifies on local sandbox lanes (one per core unless ``sandbox.lanes`` says otherwise)."""

    name: ClassVar[str] = "local"

    def __init__(self, sandbox: Sandbox) -> None:
        from forge.sandbox.supervisor import share

        self.sandbox = sandbox
        self.lanes = sandbox.lanes
        self.isolation = tuple(sandbox.isolation)
        self._unshare = share(sandbox)

    @classmethod
    def missing(cls) -> str | None:
        """The local sandbox runs everywhere forge does."""
        return None

    @classmethod
    def create(cls, config: RunConfig) -> LocalExecutor:
        """Start ``config.sandbox.lanes`` lanes (None: one per core)."""
        from forge.sandbox import Sandbox

        return cls(Sandbox(lanes=config.sandbox.lanes))

    def submit(
        self,
        domain: Domain,
        items: Sequence[tuple[Task, str | None]],
        verifiers: Sequence[Verifier] = (),
    ) -> Future[list[Verdict]]:
        """Verify ``items`` on a background thread; the future holds their verdicts in order."""
        from forge.verifiers import verify_all

        future: Future[list[Verdict]] = Future()
        future.set_running_or_notify_cancel()

        def work() -> None:
            try:
                future.set_result(verify_all(domain, list(items), self.sandbox, verifiers))
            except BaseException as exc:  # noqa: BLE001 - delivered to the waiting caller
                future.set_exception(exc)

        threading.Thread(target=work, name="forge-verify", daemon=True).start()
        return future

    def describe(self) -> str:
        """Return e.g. ``local sandbox, 2 lanes (netns, tmpfs, landlock, seccomp, ...)``."""
        return f"local sandbox, {self.lanes} lanes ({', '.join(self.isolation) or 'no isolation'})"

    def close(self) -> None:
        """Stop the lanes (and stop sharing them)."""
        self._unshare()
        self.sandbox.close()


@hookimpl
def register_executors(register) -> None:  # type: ignore[no-untyped-def]
    """Register the local sandbox executor as ``local``."""
    register(LocalExecutor)
