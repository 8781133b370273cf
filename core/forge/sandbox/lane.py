"""A worker lane: a small pre-started interpreter that forks one fresh child per job.

Started by the supervisor as ``python -I -m forge.sandbox.lane`` with a scrubbed
environment, so it never holds the supervisor's memory, secrets or expected values. It
imports each runner module once (warm), forks a child per job, relays the child's capped
output and raw result frame, and reaps it. It never decodes or judges results.
"""

from __future__ import annotations

import gc
import importlib
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from typing import Any

from forge.sandbox import child, isolation, protocol
from forge.sandbox.watch import watch

FRAME_SLACK = 64


class Lane:
    """The lane's state: its protocol channel, plan, scratch root and warm runners."""

    def __init__(self, proto_in: int, proto_out: int, devnull: int) -> None:
        self.reader = protocol.Reader(proto_in)
        self.out = proto_out
        self.devnull = devnull
        self.runners: dict[str, Callable[[Any], Any]] = {}
        self.plan = isolation.Plan(())
        self.scratch_root = ""
        self.output_fds: tuple[int, ...] = ()
        self.jobs = 0

    def send(self, header: dict[str, Any], blobs: tuple[bytes, ...] = ()) -> None:
        """Send one message to the supervisor."""
        protocol.write_all(self.out, protocol.pack(header, blobs))

    def start(self, hello: dict[str, Any]) -> None:
        """Adopt the supervisor's import path, set up isolation and report readiness."""
        sys.path[:] = [p for p in hello.get("sys_path", []) if isinstance(p, str)]
        # write ends of the supervisor's stdout, stderr and result pipes (never read here)
        self.output_fds = tuple(int(fd) for fd in hello["output_fds"])
        root = hello.get("scratch_root")
        self.scratch_root = root if isinstance(root, str) else tempfile.mkdtemp(prefix="forge-")
        os.chdir(self.scratch_root)
        disable = tuple(str(x) for x in hello.get("disable", ()))
        wrapped = tuple(str(x) for x in hello.get("wrapped", ()))
        self.plan = isolation.lane_setup(self.scratch_root, disable, wrapped)
        self.send({"type": "ready", "pid": os.getpid(), "isolation": list(self.plan.layers)})

    def runner(self, spec: str) -> Callable[[Any], Any]:
        """Return the function named by ``"module:function"``, importing it once."""
        if spec not in self.runners:
            module_name, _, attr = spec.partition(":")
            fn = getattr(importlib.import_module(module_name), attr or "run")
            if not callable(fn):
                raise TypeError(f"{spec} is not callable")
            self.runners[spec] = fn
        return self.runners[spec]

    def handle(self, header: dict[str, Any], payload: bytes) -> None:
        """Run one job in a fresh child and report what happened."""
        try:
            fn = self.runner(str(header["runner"]))
        except Exception as exc:  # noqa: BLE001 - reported to the supervisor
            self.send(
                {
                    "type": "done",
                    "setup_error": f"runner {header['runner']!r} could not "
                    f"be loaded: {child.describe(exc)}",
                }
            )
            return
        limits = header["limits"]
        self.jobs += 1
        scratch = os.path.join(self.scratch_root, f"job-{self.jobs}")
        os.mkdir(scratch, 0o700)
        isolation.prepare_scratch(self.plan, scratch)
        gc.freeze()  # keep the lane's objects out of the child's collections: fewer COW copies
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            try:
                fds = (self.devnull, *self.output_fds)
                child.run(fn, payload, limits, scratch, fds, self.plan)  # type: ignore[arg-type]
            finally:
                os._exit(child.SETUP_FAILED_EXIT)
        self.send({"type": "started", "pid": pid})
        killed = watch(pid, limits, self.plan)
        facts = reap(pid)
        remove_scratch(scratch)
        self.send({"type": "done", **facts, "killed": killed})


def remove_scratch(path: str) -> None:
    """Remove a job's scratch folder, whatever the candidate left in it (modes included)."""
    try:
        os.rmdir(path)  # the common case: the candidate wrote nothing
        return
    except OSError:
        pass
    shutil.rmtree(path, ignore_errors=True)
    if os.path.lexists(path):  # unreadable folders: open them up, then try again
        os.chmod(path, 0o700)
        for root, dirs, _ in os.walk(path):
            for name in dirs:
                os.chmod(os.path.join(root, name), 0o700)
        shutil.rmtree(path, ignore_errors=True)


def reap(pid: int) -> dict[str, Any]:
    """Wait for ``pid`` to exit, kill whatever is left of its process group, reap it.

    Returns the exit code or signal and the CPU time and peak memory it used.
    """
    try:  # wait for the exit without reaping, so the group id cannot be reused yet
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    except (ChildProcessError, InterruptedError, AttributeError):
        pass  # no waitid (macOS): the pipes are closed, so nothing the child does can count
    kill_group(pid)
    _, status, usage = os.wait4(pid, 0)
    kill_strays()
    return {
        "exit": os.waitstatus_to_exitcode(status),
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "maxrss_kb": usage.ru_maxrss // (1024 if isolation.MACOS else 1),
    }


def kill_strays(rounds: int = 100) -> int:
    """Kill and reap every remaining child of this lane (escaped descendants of a job).

    As a child subreaper the lane inherits any orphaned descendant, even one that left the
    job's session. Returns how many were killed.
    """
    killed = 0
    for _ in range(rounds):
        strays = _children()
        if not strays:
            break
        for pid in strays:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        for pid in strays:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
    return killed


def _children() -> list[int]:
    pid = os.getpid()
    try:
        with open(f"/proc/{pid}/task/{pid}/children", "rb") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def kill_group(pgid: int) -> None:
    """Send SIGKILL to process group ``pgid``, ignoring a group that is already gone."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def main() -> None:
    """Entry point: serve jobs from stdin until the supervisor closes the channel."""
    proto_in, proto_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    lane = Lane(proto_in, proto_out, devnull)
    try:
        msg = lane.reader.read()
        lane.start(msg[0] if msg else {})
        while (msg := lane.reader.read()) is not None:
            header, blobs = msg
            if header.get("type") != "job":
                break
            lane.handle(header, blobs[0] if blobs else b"")
    except protocol.ChannelClosed:
        pass
    finally:
        shutil.rmtree(lane.scratch_root, ignore_errors=True) if lane.scratch_root else None


if __name__ == "__main__":
    main()
