"""Fixtures for the sandbox's adversarial tests: a shared sandbox and a host-harm guard.

The guard plants canary files, a local TCP listener and a secret in the supervisor's
environment before each attack, and afterwards checks that the canaries are intact, no
marker file appeared outside scratch, nobody connected to the listener, no process of a
candidate survived, and the supervisor still answers.
"""

from __future__ import annotations

import glob
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from forge.sandbox import Job, JobResult, Limits, Sandbox
from tests.sandbox import procs

SECRET = "forge-secret-9f2c41"
EXEC = "forge.sandbox.runners:exec_source"
CALL = "forge.sandbox.runners:call_function"


@pytest.fixture(scope="package", autouse=True)
def _subreaper() -> Iterator[None]:
    """Make this test process a child subreaper, so any escaped process stays visible."""
    previous = procs.set_subreaper(True)
    yield
    procs.set_subreaper(previous)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """A two-lane sandbox shared by one test module, started with a secret in our env."""
    os.environ["FORGE_SANDBOX_TEST_SECRET"] = SECRET
    with Sandbox(lanes=2) as sb:
        yield sb


def require(sandbox: Sandbox, *layers: str) -> None:
    """Skip when this host's sandbox lacks ``layers``; the exact outcomes assume them.

    On the CI machine (Linux, root) nothing is skipped: test_isolation_is_recorded_per_result
    fails there if seccomp, Landlock or the network namespace ever go missing.
    """
    missing = [x for x in layers if x not in sandbox.isolation]
    if missing:
        pytest.skip(f"this host's sandbox lacks {', '.join(missing)} (see Sandbox.isolation)")


@pytest.fixture
def strong(sandbox: Sandbox) -> None:
    """Require the Linux layers whose exact errors the attack tests assert."""
    require(sandbox, "seccomp", "landlock", "rlimit_as")


@dataclass
class Host:
    """What an attack may try to harm, and the checks that it was not harmed."""

    canary_dir: Path
    marker: str
    port: int
    listener: socket.socket
    sandbox: Sandbox

    def run(self, source: str, **limits: Any) -> JobResult:
        """Run ``source`` with the exec_source runner; ``result`` comes back as the value."""
        return self.sandbox.run(Job(EXEC, {"source": self.fill(source)}, Limits(**limits)))

    def call(self, source: str, entry: str, args_list: list[list[Any]], **limits: Any) -> JobResult:
        """Run ``source`` with the call_function runner."""
        payload = {"source": self.fill(source), "entry_point": entry, "args_list": args_list}
        return self.sandbox.run(Job(CALL, payload, Limits(**limits)))

    def fill(self, source: str) -> str:
        """Substitute the host's targets into an attack's source."""
        return (
            source.replace("CANARY_DIR", str(self.canary_dir))
            .replace("MARKER", self.marker)
            .replace("PORT", str(self.port))
            .replace("SUPERVISOR_PID", str(os.getpid()))
        )


@pytest.fixture
def host(sandbox: Sandbox, tmp_path: Path) -> Iterator[Host]:
    """Plant canaries and a listener; after the test, assert the host is unharmed."""
    canary_dir = tmp_path / "canary"
    canary_dir.mkdir()
    (canary_dir / "canary.txt").write_text("intact")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    marker = f"/tmp/forge-escape-{uuid.uuid4().hex}"
    h = Host(canary_dir, marker, listener.getsockname()[1], listener, sandbox)
    before = set(procs.descendants())
    try:
        yield h
        assert (canary_dir / "canary.txt").read_text() == "intact", "canary file harmed"
        assert sorted(os.listdir(canary_dir)) == ["canary.txt"], "files appeared beside canary"
        assert glob.glob(marker + "*") == [], "a file was created outside scratch"
        with pytest.raises(BlockingIOError):
            listener.accept()
        assert procs.strays(ignore=before) == [], "a candidate process outlived its verdict"
        assert sandbox.run(Job(EXEC, {"source": "result = 6 * 7"})).value == 42
    finally:
        listener.close()
        for path in glob.glob(marker + "*"):
            os.remove(path)
