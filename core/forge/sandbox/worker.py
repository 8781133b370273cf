"""The supervisor's handle on one lane process: start it, run jobs on it, replace it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from typing import Any

from forge.errors import SandboxError
from forge.sandbox import macos, outcome, protocol
from forge.sandbox.jobs import Job, JobResult

START_TIMEOUT_S = 30.0
KILL_GRACE_S = 2.0
LANE_ENV = {"PATH": os.defpath, "LANG": "C.UTF-8"}


class LaneProcess:
    """One pre-started lane; used by exactly one supervisor thread at a time."""

    def __init__(self, disable: tuple[str, ...] = ()) -> None:
        self.disable = disable
        self.scratch_root = ""
        self.proc: subprocess.Popen[bytes] | None = None
        self.isolation: tuple[str, ...] = ()
        self.restarts = 0
        self.launch()

    def launch(self) -> None:
        """Start the lane interpreter and send it its hello (does not wait for readiness)."""
        self.scratch_root = tempfile.mkdtemp(prefix="forge-lane-")
        cmd, wrapped = macos.wrap(
            [sys.executable, "-I", "-m", "forge.sandbox.lane"], self.scratch_root, self.disable
        )
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=LANE_ENV,
            close_fds=True,
            start_new_session=True,
            cwd="/",
        )
        assert self.proc.stdout is not None
        self.reader = protocol.Reader(self.proc.stdout.fileno())
        paths = [os.path.abspath(p) if p else os.getcwd() for p in sys.path]
        hello = {
            "type": "hello",
            "sys_path": paths,
            "disable": list(self.disable),
            "scratch_root": self.scratch_root,
            "wrapped": list(wrapped),
        }
        self._send(hello)

    def wait_ready(self) -> None:
        """Block until the lane reports its isolation plan; raise SandboxError if it cannot."""
        try:
            msg = self.reader.read(time.monotonic() + START_TIMEOUT_S)
        except (protocol.ChannelClosed, ValueError, OSError) as exc:
            raise SandboxError(f"sandbox lane failed to start: {exc}") from exc
        if msg is None or msg[0].get("type") != "ready":
            self.stop()
            raise SandboxError("sandbox lane did not start in time", "Run 'forge doctor'.")
        self.isolation = tuple(str(x) for x in msg[0].get("isolation", ()))
        self.pid = int(msg[0]["pid"])

    def alive(self) -> bool:
        """True while the lane process is running."""
        return self.proc is not None and self.proc.poll() is None

    def restart(self) -> None:
        """Replace the lane with a fresh one."""
        self.stop()
        self.restarts += 1
        self.launch()
        self.wait_ready()

    def execute(self, job: Job, limits: Any, payload: bytes) -> JobResult:
        """Run ``job`` on this lane and return its result; replaces the lane if it dies."""
        if not self.alive():
            self.restart()
        start = time.monotonic()
        header = {"type": "job", "runner": job.runner, "limits": asdict(limits)}
        try:
            self._send(header, (payload,))
        except protocol.ChannelClosed:
            self.restart()
            start = time.monotonic()
            self._send(header, (payload,))
        return self._await(limits, start)

    def _await(self, limits: Any, start: float) -> JobResult:
        deadline, pid, timed_out = start + limits.wall_s, None, False
        self.reader.max_blob = limits.result_bytes + 2 * limits.output_bytes + (1 << 16)
        while True:
            try:
                msg = self.reader.read(deadline)
            except (protocol.ChannelClosed, ValueError, OSError):
                _killpg(pid)
                self.restart()
                return JobResult(
                    "crash",
                    None,
                    "sandbox lane died while running the job",
                    duration_s=time.monotonic() - start,
                    isolation=self.isolation,
                )
            if msg is None:
                if timed_out or pid is None:
                    self.restart()
                    return self._timeout(limits, start)
                timed_out = True
                _killpg(pid)
                deadline = time.monotonic() + KILL_GRACE_S
                continue
            header, blobs = msg
            if header.get("type") == "started":
                pid = int(header["pid"])
            elif header.get("type") == "done":
                elapsed = time.monotonic() - start
                return outcome.build(limits, header, blobs, timed_out, elapsed, self.isolation)

    def _timeout(self, limits: Any, start: float) -> JobResult:
        return JobResult(
            "timeout",
            None,
            f"timed out after {limits.wall_s:.1f}s",
            duration_s=time.monotonic() - start,
            isolation=self.isolation,
        )

    def _send(self, header: dict[str, Any], blobs: tuple[bytes, ...] = ()) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        protocol.write_all(self.proc.stdin.fileno(), protocol.pack(header, blobs))

    def stop(self) -> None:
        """Close the lane's channel and make sure the process is gone and reaped."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close() if stream else None
            except OSError:
                pass
        try:
            proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(self.scratch_root, ignore_errors=True)


def _killpg(pgid: int | None) -> None:
    if pgid is None:
        return
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
