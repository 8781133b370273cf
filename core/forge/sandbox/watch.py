"""The lane's watch over a running child: only what the kernel cannot enforce by itself.

Output never passes through the lane (see channel.py), so on Linux there is nothing to
watch: the lane simply waits for the exit. Where RLIMIT_AS is not honoured (macOS) the
lane polls the child's resident memory and kills its group over the limit.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from forge.sandbox import isolation, watchdog

POLL_S = 0.05


def watch(pid: int, limits: dict[str, Any], plan: isolation.Plan) -> str | None:
    """Return once ``pid`` has exited (not reaped) or been killed; say why the lane killed it.

    Returns ``"memory"`` when the RSS watchdog killed the child, else None.
    """
    if "rss_watchdog" not in plan.layers and hasattr(os, "waitid"):
        return None  # reap() waits for the exit
    cap = int(limits["memory_mb"]) << 20 if "rss_watchdog" in plan.layers else 1 << 62
    while not _has_exited(pid):
        if watchdog.rss_bytes(pid) > cap:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            return "memory"
        time.sleep(POLL_S)
    return None


def _has_exited(pid: int) -> bool:
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True
    except AttributeError:  # no waitid: a zombie's RSS reads as 0, which ends the watch
        return watchdog.rss_bytes(pid) == 0
