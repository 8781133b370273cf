"""The lane's side of a running child: read its capped output and result frame."""

from __future__ import annotations

import os
import select
import signal
from dataclasses import dataclass
from typing import Any

from forge.sandbox import isolation, watchdog

_kqueues: dict[int, Any] = {}


@dataclass
class Collected:
    """What a child printed before its pipes closed, and why the lane killed it, if it did."""

    stdout: bytes = b""
    stderr: bytes = b""
    killed: str | None = None


def collect(pid: int, fds: list[int], limits: dict[str, Any], plan: isolation.Plan) -> Collected:
    """Read the child's stdout and stderr pipes until they close or the child exits.

    Kills the child's process group when either exceeds ``output_bytes`` or (where the RSS
    watchdog is active) memory runs over. The result frame never passes through the lane:
    the child writes it straight to the supervisor. Closes every fd in ``fds``.
    """
    caps = [int(limits["output_bytes"])] * 2
    names = ["stdout", "stderr"]
    bufs = [bytearray(), bytearray()]
    got = Collected()
    open_fds = dict(zip(fds, range(2), strict=True))
    memory_cap = int(limits["memory_mb"]) << 20
    exit_fd = _pidfd(pid)
    poll = 0.05 if "rss_watchdog" in plan.layers or exit_fd < 0 else None
    exited = False
    while open_fds and got.killed is None:
        waiting = list(open_fds) + ([exit_fd] if exit_fd >= 0 and not exited else [])
        ready = select.select(waiting, [], [], 0 if exited else poll)[0]
        if poll is not None and watchdog.rss_bytes(pid) > memory_cap:
            got.killed = "memory"
        if not exited and (exit_fd in ready or (exit_fd < 0 and _has_exited(pid))):
            exited = True  # drain what is buffered, then stop even if a descendant holds a pipe
            continue
        if exited and not ready:
            break
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
    for fd in list(open_fds) + ([exit_fd] if exit_fd >= 0 else []):
        _close(fd)
    got.stdout, got.stderr = bytes(bufs[0]), bytes(bufs[1])
    return got


def _pidfd(pid: int) -> int:
    """Return a pollable fd that becomes readable when ``pid`` exits, or -1.

    Linux: a pidfd. macOS/BSD: a kqueue watching for the process's exit (its fd is
    pollable the same way). Elsewhere -1, and the caller polls instead.
    """
    try:
        return os.pidfd_open(pid)  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        pass
    try:
        kq = select.kqueue()  # type: ignore[attr-defined]
        event = select.kevent(
            pid,
            filter=select.KQ_FILTER_PROC,  # type: ignore[attr-defined]
            flags=select.KQ_EV_ADD,
            fflags=select.KQ_NOTE_EXIT,
        )  # type: ignore[attr-defined]
        kq.control([event], 0, 0)
    except (AttributeError, OSError):
        return -1
    _kqueues[kq.fileno()] = kq
    return kq.fileno()


def _close(fd: int) -> None:
    kq = _kqueues.pop(fd, None)
    if kq is not None:
        kq.close()
    else:
        os.close(fd)


def _has_exited(pid: int) -> bool:
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    except AttributeError:  # no waitid: only pipe EOF tells us
        return False
    return info is not None
