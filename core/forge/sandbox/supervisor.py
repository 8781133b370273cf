"""The trusted supervisor: a pool of lanes, a job queue, and the public Sandbox API."""

from __future__ import annotations

import atexit
import os
import queue
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, as_completed
from typing import TYPE_CHECKING, Any

from forge.errors import SandboxError
from forge.sandbox import codec
from forge.sandbox.jobs import Job, JobResult, Limits
from forge.sandbox.profile import DEFAULT_PROCESSES, ProgramProfile, check_paths
from forge.sandbox.profile import resolve as resolve_profile
from forge.sandbox.worker import LaneProcess

if TYPE_CHECKING:
    from forge.sandbox.view import ProgramSandbox

MAX_PAYLOAD_BYTES = 64 << 20
_DEFAULT_LIMITS = Limits()
LAYERS = (
    "netns",
    "tmpfs",
    "subreaper",
    "rlimit_as",
    "pdeathsig",
    "rss_watchdog",
    "nobody",
    "read_cap",
    "landlock",
    "caps",
    "seccomp",
    "nproc",
    "sandbox_exec",
)
"""The layers ``Sandbox(disable=...)`` and ``FORGE_SANDBOX_DISABLE`` can turn off."""


def default_lanes() -> int:
    """Return the default number of lanes: one per usable CPU core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class Sandbox:
    """Runs jobs in sandboxed children forked by pre-started lanes. Thread-safe.

    ``lanes`` (default: one per core) jobs run at once. A job still running after
    ``LONG_JOB_S`` (an infinite loop, a sleep) stops counting against that, and one of
    ``spare`` standby lanes (default: half as many) takes the next job, so a few stuck
    candidates do not stall thousands of quick ones. ``limits`` replaces the defaults for
    jobs that leave ``Job.limits`` at its default. Use as a context manager or call
    :meth:`close`.
    """

    def __init__(
        self,
        lanes: int | None = None,
        limits: Limits | None = None,
        disable: Sequence[str] = (),
        spare: int | None = None,
    ) -> None:
        self.lanes = int(lanes) if lanes else default_lanes()
        if self.lanes < 1:
            raise SandboxError(f"a sandbox needs at least one lane, not {lanes}")
        self.spare = max(1, self.lanes // 2) if spare is None else max(0, int(spare))
        self._slots = threading.Semaphore(self.lanes)
        self.limits = limits or _DEFAULT_LIMITS
        env_disable = os.environ.get("FORGE_SANDBOX_DISABLE", "")
        disable = (disable,) if isinstance(disable, str) else tuple(disable)
        _check_layers(disable, "Sandbox(disable=...)")
        _check_layers(env_disable.split(","), "FORGE_SANDBOX_DISABLE")
        self.disabled = tuple(disable) + tuple(x.strip() for x in env_disable.split(",") if x)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._exec_allowed: tuple[str, ...] = ()  # macOS: what sandbox-exec lets lanes run
        self._closed = False
        self._lock = threading.Lock()
        self._workers = [LaneProcess(self.disabled) for _ in range(self.lanes + self.spare)]
        try:
            for worker in self._workers:
                try:
                    worker.wait_ready()
                except SandboxError:
                    worker.restart()  # retries, and drops sandbox-exec if that was the cause
        except BaseException:
            for worker in self._workers:
                worker.stop()
            raise
        common = set.intersection(*(set(w.isolation) for w in self._workers))
        self.isolation = tuple(x for x in self._workers[0].isolation if x in common)
        self._threads = [
            threading.Thread(target=self._serve, args=(w,), daemon=True, name=f"forge-lane-{i}")
            for i, w in enumerate(self._workers)
        ]
        for thread in self._threads:
            thread.start()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def with_programs(
        self, executables: Sequence[str], processes: int = DEFAULT_PROCESSES
    ) -> ProgramSandbox:
        """Return a view of this sandbox (same lanes, same queue) whose jobs run under the
        program profile: the child may execute exactly ``executables`` (absolute paths) and
        have up to ``processes`` processes at once; every other layer stays on.

        forge calls it for a domain that declares ``Domain.executables`` and hands the view
        to the domain's ``verify``. Raises SandboxError for a path that is not a program.
        """
        from forge.sandbox.view import ProgramSandbox

        profile = resolve_profile(check_paths(executables), processes)
        if sys.platform == "darwin":
            self._allow_exec(profile)
        return ProgramSandbox(self, profile)

    def _allow_exec(self, profile: ProgramProfile) -> None:
        """macOS: lanes run under sandbox-exec, whose profile must name what may be executed;
        a new program makes every lane restart with it before its next job."""
        with self._lock:
            wanted = tuple(sorted({*self._exec_allowed, *profile.executables, *profile.loaders}))
            self._exec_allowed = wanted

    def submit(self, job: Job) -> Future[JobResult]:
        """Queue ``job`` and return a Future that resolves to its JobResult.

        Raises SandboxError when the sandbox is closed or the payload is not plain data.
        """
        return self._submit(job, None)

    def _submit(self, job: Job, programs: ProgramProfile | None) -> Future[JobResult]:
        """Queue ``job``, under the program profile ``programs`` when given."""
        if not isinstance(job, Job) or not isinstance(job.runner, str) or ":" not in job.runner:
            raise SandboxError(f"not a Job with a 'module:function' runner: {job!r:.80}")
        limits = self.limits if job.limits == _DEFAULT_LIMITS else job.limits
        _check_limits(limits)
        future: Future[JobResult] = Future()
        try:
            payload = codec.encode(job.payload, MAX_PAYLOAD_BYTES)
        except codec.TooLarge:
            future.set_result(
                JobResult("rejected", None, f"payload is larger than {MAX_PAYLOAD_BYTES >> 20} MB")
            )
            return future
        except (codec.NotPlain, RecursionError) as exc:
            raise SandboxError(f"job payload is not plain data: {exc}") from exc
        with self._lock:
            if self._closed:
                raise SandboxError("the sandbox is closed")
            self._queue.put((job, limits, payload, future, programs))
        return future

    def run(self, job: Job) -> JobResult:
        """Run ``job`` and block until its result is ready."""
        return self.submit(job).result()

    def run_many(self, jobs: Sequence[Job]) -> list[JobResult]:
        """Run ``jobs`` on all lanes; return their results in the order given."""
        futures = [self.submit(job) for job in jobs]
        return [f.result() for f in futures]

    def as_completed(self, jobs: Sequence[Job]) -> Iterator[tuple[int, JobResult]]:
        """Run ``jobs`` on all lanes; yield ``(index, result)`` as each one finishes."""
        futures = {self.submit(job): i for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            yield futures[future], future.result()

    def close(self) -> None:
        """Cancel jobs not yet started, let running ones finish, stop and reap every lane.

        Futures of cancelled jobs raise CancelledError. Safe to call twice.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            while True:  # an interrupted batch must not run to the end
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[3].cancel()
            for _ in self._threads:
                self._queue.put(None)
        for thread in self._threads:
            thread.join()
        for worker in self._workers:
            worker.stop()

    def stats(self) -> dict[str, Any]:
        """Return lane pids and restart counts (for diagnostics and tests)."""
        return {
            "pids": [w.proc.pid for w in self._workers if w.proc],
            "restarts": sum(w.restarts for w in self._workers),
        }

    def _serve(self, worker: LaneProcess) -> None:
        while True:
            self._slots.acquire()
            item = self._queue.get()
            if item is None:
                self._slots.release()
                return
            slot = _Slot(self._slots)
            try:
                self._run(worker, item, slot.release)
            finally:
                slot.release()

    def _run(self, worker: LaneProcess, item: Any, on_long: Any) -> None:
        job, limits, payload, future, programs = item
        if not future.set_running_or_notify_cancel():
            return
        try:
            if worker.exec_allowed != self._exec_allowed:  # macOS: a program was added
                worker.exec_allowed = self._exec_allowed
                worker.restart()
            future.set_result(worker.execute(job, limits, payload, on_long, programs))
        except BaseException as exc:  # noqa: BLE001 - never lose a verdict
            future.set_exception(SandboxError(f"sandbox failed: {exc}"))


class _Slot:
    """One held place among the ``lanes`` jobs that may run at once; released only once."""

    def __init__(self, slots: threading.Semaphore) -> None:
        self.slots = slots
        self.held = True

    def release(self) -> None:
        """Give the place back (when the job finishes or turns out to be long)."""
        if self.held:
            self.held = False
            self.slots.release()


def _check_layers(names: Sequence[str], where: str) -> None:
    """Raise UnknownNameError for a layer name in ``names`` that no lane knows (a typo would
    otherwise leave the layer on while the caller believes it is off, or the reverse)."""
    from forge.errors import UnknownNameError

    for name in (str(n).strip() for n in names):
        if name and name not in LAYERS:
            raise UnknownNameError(
                "sandbox layer", name, LAYERS, label=f"{where} takes", extra_hint=""
            )


def _check_limits(limits: Limits) -> None:
    """Raise SandboxError for limits no job could run under (a caller's mistake)."""
    if not isinstance(limits, Limits):
        raise SandboxError(
            f"Job.limits must be a forge.sandbox.Limits, not {type(limits).__name__}"
        )
    numbers = {
        k: getattr(limits, k)
        for k in (
            "wall_s",
            "cpu_s",
            "memory_mb",
            "output_bytes",
            "result_bytes",
            "file_bytes",
            "open_files",
        )
    }
    bad = [
        k
        for k, v in numbers.items()
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0
    ]
    if bad or limits.open_files < 8 or limits.memory_mb < 32:
        raise SandboxError(
            f"unusable sandbox limits: {limits}",
            "Every limit must be positive; memory_mb >= 32, open_files >= 8.",
        )
    if not isinstance(limits.read_paths, (tuple, list)) or not all(
        isinstance(p, str) for p in limits.read_paths
    ):
        raise SandboxError("Limits.read_paths must be a tuple of path strings")


_shared: Sandbox | None = None
_shared_lock = threading.Lock()


def get_sandbox() -> Sandbox:
    """Return the process-wide shared Sandbox: the running executor's while a run is open,
    else one started on first use (closed at exit). Task loaders use this."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared._closed:
            _shared = Sandbox()
            atexit.register(_shared.close)
        return _shared


def share(sandbox: Sandbox) -> Callable[[], None]:
    """Make ``sandbox`` the one :func:`get_sandbox` returns; return a function undoing that.

    An executor calls this on start so that a process runs one pool of lanes, not two.
    """
    global _shared
    with _shared_lock:
        previous, _shared = _shared, sandbox

    def undo() -> None:
        global _shared
        with _shared_lock:
            if _shared is sandbox:
                _shared = previous if previous is not None and not previous._closed else None

    return undo
