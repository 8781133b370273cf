"""Resident memory of another process, for the RSS watchdog where RLIMIT_AS is not honoured."""

from __future__ import annotations

import ctypes
import os
import sys

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_libproc = None


class _TaskInfo(ctypes.Structure):
    _fields_ = [("virtual_size", ctypes.c_uint64), ("resident_size", ctypes.c_uint64)]
    # proc_taskinfo continues; the first two fields are all we read.


def rss_bytes(pid: int) -> int:
    """Return the resident set size of ``pid`` in bytes, or 0 when it cannot be read."""
    if sys.platform.startswith("linux"):
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                return int(f.read().split()[1]) * _PAGE
        except (OSError, ValueError, IndexError):
            return 0
    if sys.platform == "darwin":
        return _darwin_rss(pid)
    return 0


def _darwin_rss(pid: int) -> int:
    global _libproc
    if _libproc is None:
        import ctypes.util

        _libproc = ctypes.CDLL(ctypes.util.find_library("proc") or "libproc.dylib")
    buf = ctypes.create_string_buffer(96)  # sizeof(struct proc_taskinfo)
    n = _libproc.proc_pidinfo(pid, 4, ctypes.c_uint64(0), buf, 96)  # PROC_PIDTASKINFO
    if n < ctypes.sizeof(_TaskInfo):
        return 0
    return _TaskInfo.from_buffer_copy(buf.raw[: ctypes.sizeof(_TaskInfo)]).resident_size
