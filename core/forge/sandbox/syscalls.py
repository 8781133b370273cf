"""Thin ctypes wrappers over the Linux system calls the sandbox needs (no dependencies)."""

from __future__ import annotations

import ctypes
import os
import sys

LINUX = sys.platform.startswith("linux")
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 2, 4, 16384, 1 << 18
_NR = {  # name: (x86_64, aarch64)
    "landlock_create_ruleset": (444, 444),
    "landlock_add_rule": (445, 445),
    "landlock_restrict_self": (446, 446),
    "capset": (126, 91),
}
_libc = ctypes.CDLL(None, use_errno=True) if LINUX else None


def _check(result: int, what: str) -> int:
    if result == -1:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def syscall(name: str, *args: int | ctypes.c_void_p | None) -> int:
    """Call the raw system call ``name`` with integer/pointer ``args``; raise OSError."""
    machine = os.uname().machine
    col = 0 if machine == "x86_64" else 1
    if _libc is None or machine not in ("x86_64", "aarch64"):
        raise OSError(38, f"{name} is not available here")
    fn = _libc.syscall
    fn.restype = ctypes.c_long
    c_args = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    return _check(fn(ctypes.c_long(_NR[name][col]), *c_args), name)


def prctl(option: int, arg2: int = 0, arg3: int = 0) -> int:
    """Call prctl(2); raise OSError on failure."""
    assert _libc is not None
    return _check(_libc.prctl(option, ctypes.c_ulong(arg2), ctypes.c_ulong(arg3), 0, 0), "prctl")


def unshare(flags: int) -> None:
    """Call unshare(2); raise OSError on failure."""
    assert _libc is not None
    _check(_libc.unshare(flags), "unshare")


def mount(source: str, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    """Call mount(2); raise OSError on failure."""
    assert _libc is not None
    enc = [x.encode() if x is not None else None for x in (source, target, fstype, data)]
    _check(_libc.mount(enc[0], enc[1], enc[2], ctypes.c_ulong(flags), enc[3]), "mount")


def drop_capabilities(keep: tuple[int, ...] = ()) -> None:
    """Clear every capability of this thread except ``keep`` (effective and permitted only)."""
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, self
    data = (ctypes.c_uint32 * 6)()  # two of {effective, permitted, inheritable}
    for cap in keep:
        word, bit = divmod(cap, 32)
        data[3 * word] |= 1 << bit
        data[3 * word + 1] |= 1 << bit
    syscall("capset", ctypes.addressof(header), ctypes.addressof(data))
