"""The lane's side of a running child: read its capped output and result frame."""

from __future__ import annotations

import os
import select
import signal
from dataclasses import dataclass
from typing import Any

from forge.sandbox import isolation, watchdog


@dataclass
class Collected:
    """What a child sent before its pipes closed, and why the lane killed it, if it did."""

    stdout: bytes = b""
    stderr: bytes = b""
    frame: bytes = b""
    killed: str | None = None


def collect(pid: int, fds: list[int], limits: dict[str, Any], plan: isolation.Plan) -> Collected:
    """Read the child's stdout, stderr and result pipes until they close.

    Kills the child's process group when stdout or stderr exceed ``output_bytes``, the
    frame exceeds ``result_bytes`` or (where the RSS watchdog is active) memory runs over.
    Closes every fd in ``fds`` before returning.
    """
    caps = [int(limits["output_bytes"])] * 2 + [int(limits["result_bytes"]) + 64]
    names = ["stdout", "stderr", "result"]
    bufs = [bytearray(), bytearray(), bytearray()]
    got = Collected()
    open_fds = dict(zip(fds, range(3), strict=True))
    memory_cap = int(limits["memory_mb"]) << 20
    poll = 0.05 if "rss_watchdog" in plan.layers else None
    while open_fds and got.killed is None:
        ready = select.select(list(open_fds), [], [], poll)[0]
        if poll is not None and watchdog.rss_bytes(pid) > memory_cap:
            got.killed = "memory"
        for fd in ready:
            i = open_fds[fd]
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                del open_fds[fd]
                os.close(fd)
                continue
            bufs[i] += chunk
            if len(bufs[i]) > caps[i]:
                got.killed = names[i]
                del bufs[i][caps[i] :]
    if got.killed is not None:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    for fd in open_fds:
        os.close(fd)
    got.stdout, got.stderr, got.frame = bytes(bufs[0]), bytes(bufs[1]), bytes(bufs[2])
    return got
