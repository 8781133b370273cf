"""The lane's watch over a running child: only what the kernel cannot enforce by itself.

Output never passes through the lane (see channel.py), so on Linux there is nothing to
watch: the lane simply waits for the exit. Where RLIMIT_AS is not honoured (macOS) the
lane polls the child's resident memory and kills its group over the limit.
"""

from __future__ import annotations

import os
import select
import signal
import time
from collections.abc import Callable
from typing import Any

from forge.sandbox import isolation, watchdog

POLL_S = 0.05


def watch(pid: int, limits: dict[str, Any], plan: isolation.Plan) -> str | None:
    """Return once ``pid`` has exited (not reaped) or been killed; say why the lane killed it.

    Returns ``"memory"`` when the RSS watchdog killed the child, else None. Wakes up as
    soon as the child exits (pidfd on Linux, kqueue on macOS), so watching costs no latency.
    """
    if "rss_watchdog" not in plan.layers and hasattr(os, "waitid"):
        return None  # reap() waits for the exit
    cap = int(limits["memory_mb"]) << 20 if "rss_watchdog" in plan.layers else 1 << 62
    wait, close = _exit_waiter(pid)
    try:
        while not wait(POLL_S):
            if watchdog.rss_bytes(pid) > cap:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                return "memory"
        return None
    finally:
        close()


def _exit_waiter(pid: int) -> tuple[Callable[[float], bool], Callable[[], None]]:
    """Return ``(wait, close)``: ``wait(t)`` blocks up to t seconds, True once pid exited."""
    try:
        fd = os.pidfd_open(pid)  # type: ignore[attr-defined]
        return (lambda t: bool(select.select([fd], [], [], t)[0])), (lambda: os.close(fd))
    except (AttributeError, OSError):
        pass
    try:
        kq = select.kqueue()  # type: ignore[attr-defined]
        flags = {
            "filter": select.KQ_FILTER_PROC,
            "flags": select.KQ_EV_ADD,  # type: ignore[attr-defined]
            "fflags": select.KQ_NOTE_EXIT,
        }  # type: ignore[attr-defined]
        kq.control([select.kevent(pid, **flags)], 0, 0)  # type: ignore[attr-defined]
        return (lambda t: bool(kq.control(None, 1, t)) or _has_exited(pid)), kq.close
    except (AttributeError, OSError):
        pass
    delay = [0.001]

    def poll(t: float) -> bool:
        if _has_exited(pid):
            return True
        time.sleep(min(t, delay[0]))
        delay[0] = min(t, delay[0] * 2)
        return _has_exited(pid)

    return poll, lambda: None


def _has_exited(pid: int) -> bool:
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True
    except AttributeError:  # no waitid: a zombie's RSS reads as 0, which ends the watch
        return watchdog.rss_bytes(pid) == 0
