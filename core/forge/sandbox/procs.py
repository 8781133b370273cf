"""Counting and ending the processes of a uid, for the program profile's process limit.

``RLIMIT_NPROC`` counts every process (and thread) of the child's *real uid*, not just the
child's own: as root forge gives the child a uid of its own lane; as an ordinary user the
count is per user namespace where the lane has one, and host-wide where it does not.
:func:`baseline` says how many the count already holds, so the limit can be set to that
plus what a job may start.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys


def baseline(own_user_namespace: bool) -> int:
    """Return the tasks the calling lane's uid already has, plus one for the job's child.

    In the lane's own user namespace only the lane's tasks share the count; otherwise it is
    every task of this uid on the machine (a snapshot: the user's other programs may start
    or end processes while a job runs, which the limit does not follow).
    """
    if own_user_namespace:
        return _own_tasks() + 1
    return count_tasks(os.geteuid()) + 1


def count_tasks(uid: int) -> int:
    """Return how many tasks (processes and threads) run as ``uid`` (Linux /proc, macOS
    sysctl; the caller's own tasks when neither works)."""
    if sys.platform.startswith("linux"):
        total = 0
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    if entry.stat().st_uid == uid:
                        total += len(os.listdir(f"/proc/{entry.name}/task"))
                except OSError:
                    continue
        return total
    return _macos_count(uid) or _own_tasks()


def kill_uid(uid: int) -> None:
    """Kill every process running as ``uid`` (a lane's own uid: what is left of one job).

    A throwaway child takes the uid and sends SIGKILL to every process it may signal, which
    is exactly the processes of that uid. Only for root, whose lanes own such uids.
    """
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the throwaway child
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def _own_tasks() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 1


def _macos_count(uid: int) -> int:
    """Processes of ``uid`` from sysctl ``kern.proc.uid`` (macOS); 0 when it fails."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        mib = (ctypes.c_int * 4)(1, 14, 5, uid)  # CTL_KERN, KERN_PROC, KERN_PROC_UID
        size = ctypes.c_size_t(0)
        if libc.sysctl(mib, 4, None, ctypes.byref(size), None, 0) != 0:
            return 0
        buf = ctypes.create_string_buffer(size.value)
        if libc.sysctl(mib, 4, buf, ctypes.byref(size), None, 0) != 0:
            return 0
        return size.value // 648  # sizeof(struct kinfo_proc) on 64-bit macOS
    except (OSError, AttributeError):
        return 0
