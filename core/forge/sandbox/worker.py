"""The supervisor's handle on one lane process: start it, run jobs on it, replace it."""

from __future__ import annotations

import functools
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from forge.errors import SandboxError
from forge.sandbox import macos, outcome, protocol
from forge.sandbox.channel import Captures, PidPipe
from forge.sandbox.jobs import Job, JobResult
from forge.sandbox.profile import ProgramProfile

START_TIMEOUT_S = 30.0
KILL_GRACE_S = 2.0
LONG_JOB_S = 0.1  # a quick candidate takes a few ms; past this a job frees its CPU slot
MAX_TRIES = 3  # runs of one job on fresh lanes when a lane fails by itself
OVER = object()
LANE_ENV = {"PATH": os.defpath, "LANG": "C.UTF-8"}


class LaneProcess:
    """One pre-started lane; used by exactly one supervisor thread at a time."""

    def __init__(self, disable: tuple[str, ...] = ()) -> None:
        self.disable = disable
        self.exec_allowed: tuple[str, ...] = ()  # macOS: programs sandbox-exec lets run
        self.scratch_root = ""
        self.proc: subprocess.Popen[bytes] | None = None
        self.isolation: tuple[str, ...] = ()
        self.restarts = 0
        self.wrapped: tuple[str, ...] = ()
        self.launch()

    def launch(self) -> None:
        """Start the lane interpreter and send it its hello (does not wait for readiness)."""
        self.scratch_root = tempfile.mkdtemp(prefix="forge-lane-")
        self.captures = Captures()
        self.pids = PidPipe()
        lane_fds = self.captures.write_fds()  # pass_fds keeps the numbers in the lane
        cmd, wrapped = macos.wrap(
            [sys.executable, "-I", "-m", "forge.sandbox.lane"],
            self.scratch_root,
            self.disable,
            self.exec_allowed,
        )
        self.wrapped = wrapped
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=LANE_ENV,
            close_fds=True,
            pass_fds=(*lane_fds, self.pids.write_fd),
            start_new_session=True,
            cwd="/",
        )
        self.captures.release_write_ends()
        pid_fd, self.pids.write_fd = self.pids.write_fd, -1
        os.close(pid_fd)
        assert self.proc.stdout is not None
        self.reader = protocol.Reader(self.proc.stdout.fileno())
        paths = [os.path.abspath(p) if p else os.getcwd() for p in sys.path]
        hello = {
            "type": "hello",
            "sys_path": paths,
            "disable": list(self.disable),
            "scratch_root": self.scratch_root,
            "wrapped": list(wrapped),
            "output_fds": list(lane_fds),
            "pid_fd": pid_fd,
        }
        try:
            self._send(hello, (_rules_blob(),))
        except (protocol.ChannelClosed, OSError):
            pass  # the lane died at once: wait_ready reports it

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
        """Replace the lane with a fresh one; raise SandboxError if three tries fail."""
        self.restarts += 1
        for attempt in range(3):
            self.stop()
            try:
                self.launch()
                self.wait_ready()
                return
            except (SandboxError, OSError):
                if self.wrapped and "sandbox_exec" not in self.disable:
                    self.disable += ("sandbox_exec",)  # start without it; isolation says so
                elif attempt == 2:
                    self.stop()
                    raise

    def _replace(self) -> None:
        """Restart after a lane died; a failure is left for the next job to retry."""
        try:
            self.restart()
        except (SandboxError, OSError):
            pass

    def execute(
        self,
        job: Job,
        limits: Any,
        payload: bytes,
        on_long: Callable[[], None] | None = None,
        programs: ProgramProfile | None = None,
    ) -> JobResult:
        """Run ``job`` on this lane and return its result; replaces the lane if it dies.

        ``programs`` runs it under the program profile (see forge.sandbox.profile).
        ``on_long`` is called once if the job is still running after ``LONG_JOB_S``. A job
        the lane could not run for a reason of its own (it died before the job started,
        its scratch folder vanished) runs again on a fresh lane: forge's failures are
        never charged to the candidate.
        """
        header = {"type": "job", "runner": job.runner, "limits": _limits_dict(limits)}
        if programs is not None:
            header["programs"] = programs.to_wire()
        why = "sandbox lane died before the job could start"
        for _ in range(MAX_TRIES):
            start = time.monotonic()
            if not self.alive():
                try:
                    self.restart()
                except (SandboxError, OSError) as exc:
                    message = f"sandbox lane could not be started: {exc}"
                    return JobResult("crash", None, message, duration_s=time.monotonic() - start)
                start = time.monotonic()
            caps = {
                "stdout": limits.output_bytes,
                "stderr": limits.output_bytes,
                "result": limits.result_bytes + 64,
            }
            self.captures.start(caps)  # before sending: the child can be that fast
            self.pids.reset()
            try:
                self._send(header, (payload,))
            except (protocol.ChannelClosed, OSError):
                self.stop()  # died between jobs: the job never started, so try a fresh lane
                continue
            result = self._await(limits, start, on_long)
            if not isinstance(result, str):
                return result
            why = f"sandbox lane failed {MAX_TRIES} times in a row: {result}"
            self._replace()  # the lane reported its own failure; run the job again
        return JobResult("crash", None, why, isolation=self.isolation)

    def _await(
        self, limits: Any, start: float, on_long: Callable[[], None] | None
    ) -> JobResult | str:
        """Wait for the job's end; a str says the lane failed by itself (run the job again)."""
        deadline, timed_out = start + limits.wall_s, False
        soft = start + LONG_JOB_S if on_long is not None else None
        self.reader.max_blob = 1 << 16
        while True:
            try:
                msg = self._next(deadline if soft is None else min(deadline, soft))
            except (protocol.ChannelClosed, ValueError, OSError):
                _killpg(self.pids.latest())
                self._replace()
                return self._lane_failed(start, "sandbox lane died while running the job")
            if msg is OVER:
                self._kill_child()  # output or frame over its cap: stop the child now
                continue
            if msg is None and soft is not None and time.monotonic() < deadline:
                soft = None
                on_long()  # type: ignore[misc]
                continue
            if msg is None:
                if timed_out or not self._kill_child():
                    self._replace()  # the lane is stuck (or never forked): replace it
                    return self._timeout(limits, start)
                timed_out = True
                deadline = time.monotonic() + KILL_GRACE_S
                continue
            header, blobs = msg  # type: ignore[misc]
            if header.get("type") == "done" and header.get("lane_error"):
                self.stop()
                return str(header["lane_error"])  # the lane's own failure: retry the job
            if header.get("type") == "done":
                outputs = self.captures.take()  # the final read may still cross a cap
                header["killed"] = self.captures.over() or header.get("killed")
                elapsed = time.monotonic() - start
                layers = header.get("isolation")
                applied = tuple(str(x) for x in layers) if isinstance(layers, list) else None
                return outcome.build(
                    limits, header, outputs, timed_out, elapsed, applied or self.isolation
                )

    def _kill_child(self) -> bool:
        """Kill the running child's process group; False if the lane never posted its pid."""
        for _ in range(200):  # the pid follows the fork by microseconds; allow for a busy box
            pid = self.pids.latest()
            if pid is not None:
                _killpg(pid)
                return True
            time.sleep(0.005)
        return False

    def _next(self, deadline: float) -> Any:
        """Return the lane's next message, reading the child's output pipes meanwhile.

        Returns None when ``deadline`` passes first, OVER when an output just went over cap.
        """
        while True:
            msg = self.reader.read(time.monotonic())
            if msg is not None:
                return msg
            wait = deadline - time.monotonic()
            if wait <= 0:
                return None
            ready = select.select([self.reader.fd, *self.captures.fds()], [], [], wait)[0]
            if self.captures.pump(ready):
                return OVER

    def _lane_failed(self, start: float, message: str) -> JobResult:
        return JobResult(
            "crash", None, message, duration_s=time.monotonic() - start, isolation=self.isolation
        )

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
        self.captures.close()
        self.pids.close()


@functools.lru_cache(maxsize=1)
def _rules_blob() -> bytes:
    """The paths children may read, NUL-separated, computed once per supervisor process."""
    if not sys.platform.startswith("linux"):
        return b""
    from forge.sandbox.readable import read_rules

    return b"\0".join(os.fsencode(p) for p in read_rules())


@functools.lru_cache(maxsize=64)
def _limits_dict(limits: Any) -> dict[str, Any]:
    return asdict(limits)


def _killpg(pgid: int | None) -> None:
    if pgid is None:
        return
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
