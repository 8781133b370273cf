"""The sandbox's public data types: what a job asks for and what comes back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATUSES: tuple[str, ...] = (
    "ok",
    "timeout",
    "memory",
    "output_limit",
    "crash",
    "rejected",
    "error",
)
"""Every status a :class:`JobResult` can carry."""


@dataclass(frozen=True)
class Limits:
    """Resource limits for one job, enforced per forked child.

    ``wall_s`` is enforced by the supervisor with a process-group kill; ``cpu_s`` by the
    kernel (soft limit, backed by a hard limit one second later); ``memory_mb`` by an
    address-space limit (Linux) or an RSS watchdog (macOS); ``output_bytes`` caps each of
    stdout and stderr; ``result_bytes`` caps the result frame; ``file_bytes`` caps any one
    file the child writes; ``open_files`` caps its file descriptors. ``read_paths`` are
    extra files or folders the child may read where a filesystem sandbox is active.
    """

    wall_s: float = 5.0
    cpu_s: float = 5.0
    memory_mb: int = 1024
    output_bytes: int = 65536
    result_bytes: int = 8 << 20
    file_bytes: int = 16 << 20
    open_files: int = 64
    read_paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class Job:
    """One unit of untrusted work: call ``runner(payload)`` in a fresh sandboxed child.

    ``runner`` is ``"package.module:function"``, imported (once, warm) in a worker lane.
    ``payload`` holds plain data only and only inputs -- never expected values.
    """

    runner: str
    payload: Any = None
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True)
class JobResult:
    """What the trusted side concluded about one job.

    ``status`` is one of :data:`STATUSES`. ``value`` is the runner's return value rebuilt
    from exact plain types (only when ``status == "ok"``). ``message`` says why, in one
    line. ``stdout``/``stderr`` are captured and capped, never trusted. ``isolation``
    names the layers that were in force for this job.
    """

    status: str
    value: Any = None
    message: str = ""
    stdout: str = ""
    stderr: str = ""
    duration_s: float = 0.0
    isolation: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the runner returned a plain value."""
        return self.status == "ok"
