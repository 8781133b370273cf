"""A worker lane: a small pre-started interpreter that forks one fresh child per job.

Started by the supervisor as ``python -I -m forge.sandbox.lane`` with a scrubbed
environment, so it never holds the supervisor's memory, secrets or expected values. It
imports each runner module once (warm), forks a child per job, posts the child's pid on a
pipe the supervisor reads only when it must kill it, waits for it, kills what is left of its process group and reaps it. It never sees the
child's output or result frame (those pipes belong to the supervisor, see channel.py) and
never judges anything.
"""

from __future__ import annotations

import gc
import importlib
import os
import signal
import struct
import sys
from collections.abc import Callable
from typing import Any

from forge.sandbox import child, descriptors, isolation, procs, protocol
from forge.sandbox.watch import watch


class ScratchLost(OSError):
    """The lane's scratch root vanished (a /tmp cleaner, another program): restart the lane."""


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
        self.pid_fd = -1
        self.pipe_size = 0
        self.rulesets: dict[Any, int] = {}  # read_paths -> Landlock ruleset fd
        self.jobs = 0

    def send(self, header: dict[str, Any], blobs: tuple[bytes, ...] = ()) -> None:
        """Send one message to the supervisor."""
        protocol.write_all(self.out, protocol.pack(header, blobs))

    def start(self, hello: dict[str, Any], blobs: list[bytes] | None = None) -> None:
        """Adopt the supervisor's import path, set up isolation and report readiness.

        The first blob, if any, lists the paths children may read, NUL-separated.
        """
        sys.path[:] = [p for p in hello.get("sys_path", []) if isinstance(p, str)]
        # write ends of the supervisor's stdout, stderr and result pipes (never read here)
        self.output_fds = tuple(int(fd) for fd in hello["output_fds"])
        self.pipe_size = descriptors.pipe_size(self.output_fds[0])
        self.pid_fd = int(hello["pid_fd"])
        rules = None
        if blobs and blobs[0]:
            rules = tuple(os.fsdecode(p) for p in blobs[0].split(b"\0") if p)
        root = hello.get("scratch_root")
        if not isinstance(root, str):
            import tempfile

            root = tempfile.mkdtemp(prefix="forge-")
        self.scratch_root = root
        os.chdir(self.scratch_root)
        disable = tuple(str(x) for x in hello.get("disable", ()))
        wrapped = tuple(str(x) for x in hello.get("wrapped", ()))
        self.plan = isolation.lane_setup(self.scratch_root, disable, wrapped, rules)
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
        read_paths = tuple(str(p) for p in limits.get("read_paths") or ())
        programs = header.get("programs")
        try:
            plan = isolation.job_plan(
                self.plan, read_paths, programs, self.rulesets, self.scratch_root
            )
        except OSError as exc:
            self.send({"type": "done", "setup_error": f"sandbox setup failed: {exc}"})
            return
        try:
            scratch = self.new_scratch(plan)
        except OSError as exc:
            raise ScratchLost(f"cannot make a scratch folder: {exc}") from exc
        descriptors.reset_pipes(self.output_fds, self.pipe_size)
        gc.freeze()  # keep the lane's objects out of the child's collections: fewer COW copies
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            try:
                fds = (self.devnull, *self.output_fds)
                child.run(fn, payload, limits, scratch, fds, plan)  # type: ignore[arg-type]
            finally:
                os._exit(child.SETUP_FAILED_EXIT)
        os.write(self.pid_fd, struct.pack("<q", pid))  # read only if the child must be killed
        killed = watch(pid, limits, self.plan)
        facts = reap(pid)
        if "lane_uid" in plan.layers:
            procs.kill_uid(plan.uid)  # whatever of the job's processes is left, in one sweep
            kill_strays()
        try:
            sweep(self.scratch_root)
        except OSError as exc:  # the job's folder vanished while it ran: it must run again
            raise ScratchLost(f"the scratch folder vanished during the job: {exc}") from exc
        report = {"type": "done", **facts, "killed": killed}
        if programs:
            report["isolation"] = list(plan.layers)  # this job's layers differ from the lane's
        self.send(report)

    def new_scratch(self, plan: isolation.Plan) -> str:
        """Create and return a fresh, empty scratch folder for the next job (run by ``plan``)."""
        while True:
            self.jobs += 1
            scratch = os.path.join(self.scratch_root, f"job-{self.jobs}")
            try:
                os.mkdir(scratch, 0o700)
            except FileExistsError:  # something the sweep could not remove: skip the name
                continue
            isolation.prepare_scratch(plan, scratch)
            return scratch


def sweep(root: str) -> None:
    """Empty the lane's scratch root: the job's folder and anything the child put beside it.

    Runs after every process of the job is dead. Never follows a symlink (a child may swap
    its folder for a link to a host path), removes what the child made unreadable, and
    handles any depth without recursion: subfolders are first moved up to the root, so
    paths stay short and only two folders are open at a time.
    """
    root_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        pending = [e.name for e in _entries(root_fd)]
        moved = 0
        while pending:
            name = pending.pop()
            try:
                os.unlink(name, dir_fd=root_fd)  # files, links, fifos, sockets
                continue
            except IsADirectoryError:
                pass
            except OSError:
                continue
            moved = _flatten(root_fd, name, pending, moved)
    finally:
        os.close(root_fd)


def _flatten(root_fd: int, name: str, pending: list[str], moved: int) -> int:
    """Empty folder ``name`` (a real folder under the root) into the root, then remove it."""
    try:
        os.chmod(name, 0o700, dir_fd=root_fd)  # it is a folder, not a link: unlink refused it
        fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=root_fd)
    except OSError:
        return moved
    try:
        for entry in _entries(fd):
            if not entry.is_dir(follow_symlinks=False):
                _quiet(os.unlink, entry.name, dir_fd=fd)
                continue
            for _ in range(100):
                moved += 1
                new = f".swept-{moved}"
                try:
                    os.rename(entry.name, new, src_dir_fd=fd, dst_dir_fd=root_fd)
                    pending.append(new)
                    break
                except FileExistsError:
                    continue
                except OSError:
                    break
    finally:
        os.close(fd)
    _quiet(os.rmdir, name, dir_fd=root_fd)
    return moved


def _entries(fd: int) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(fd) as it:
            return list(it)
    except OSError:
        return []


def _quiet(fn: Any, *args: Any, **kwargs: Any) -> None:
    try:
        fn(*args, **kwargs)
    except OSError:
        pass


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
        lane.start(*(msg if msg else ({}, [])))
        while (msg := lane.reader.read()) is not None:
            header, blobs = msg
            if header.get("type") != "job":
                break
            lane.handle(header, blobs[0] if blobs else b"")
    except protocol.ChannelClosed:
        pass
    except ScratchLost as exc:  # forge's failure, not the job's: the supervisor retries it
        try:
            lane.send({"type": "done", "lane_error": str(exc)})
        except (protocol.ChannelClosed, OSError):
            pass
    finally:
        if lane.scratch_root:
            _quiet(sweep, lane.scratch_root)


if __name__ == "__main__":
    main()
