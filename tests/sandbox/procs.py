"""Process-table helpers for the sandbox tests (Linux /proc; empty answers elsewhere)."""

from __future__ import annotations

import ctypes
import os
import sys

PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER = 36, 37


def set_subreaper(on: bool) -> bool:
    """Make this process a child subreaper (Linux); return the previous setting."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    old = ctypes.c_int(0)
    libc.prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(old), 0, 0, 0)
    libc.prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0)
    return bool(old.value)


def table() -> dict[int, tuple[int, str, str]]:
    """Return ``{pid: (ppid, state, cmdline)}`` for every process we can see."""
    out = {}
    for name in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read().decode("utf-8", "replace")
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        out[int(name)] = (int(fields[1]), fields[0], cmd)
    return out


def descendants(root: int | None = None) -> dict[int, tuple[int, str, str]]:
    """Return the processes below ``root`` (default: this process)."""
    procs = table()
    root = os.getpid() if root is None else root
    found: dict[int, tuple[int, str, str]] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, info in procs.items():
            if info[0] == parent and pid not in found:
                found[pid] = info
                frontier.append(pid)
    return found


def strays(ignore: set[int] | frozenset[int] = frozenset()) -> list[str]:
    """Return new descendants that are neither sandbox lanes nor zombies (reaping zombies).

    Processes in ``ignore`` (those that existed before a test) are not reported.
    """
    bad = []
    for pid, (ppid, state, cmd) in descendants().items():
        if pid in ignore and state != "Z":
            continue
        if state == "Z":
            if ppid == os.getpid() and "forge.sandbox.lane" not in cmd:
                _reap(pid)
            continue
        if "forge.sandbox.lane" in cmd and ppid == os.getpid():
            continue
        bad.append(f"{pid} ({state}) {cmd[:80]}")
    return bad


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def open_fds() -> int:
    """Return how many file descriptors this process has open."""
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else -1


def rss_kb() -> int:
    """Return this process's resident set size in KiB (0 where /proc is missing)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
