"""Landlock (Linux >= 5.13): restrict the child's filesystem view, TCP and signals.

The lane builds one ruleset when it starts (read-only: code and system libraries as listed
by :mod:`forge.sandbox.readable`, never data files shipped in packages, plus
``Limits.read_paths``; read-write: the lane's scratch root) and every child calls
``landlock_restrict_self`` on it. Reading never includes the right to execute: only a job
under the program profile (:mod:`forge.sandbox.profile`) may execute, and only the files
it declared and their loaders. From ABI 4 the ruleset also denies TCP bind and
connect; from ABI 6 it scopes abstract UNIX sockets and signals to the child's own domain.
Landlock also stops a sandboxed process from ptracing (or reading ``/proc/<pid>/mem`` of)
anything outside its domain.
"""

from __future__ import annotations

import ctypes
import os
import struct

from forge.sandbox import syscalls

_EXECUTE = 1 << 0
_READ = (1 << 2) | (1 << 3)  # READ_FILE, READ_DIR (never EXECUTE)
_LIST = 1 << 3  # READ_DIR only: names, not contents
LIST = "list:"  # a rule prefix (forge.sandbox.readable.LIST)
_FILE_RIGHTS = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 14) | (1 << 15)
_ABI_FS = {
    1: (1 << 13) - 1,
    2: (1 << 14) - 1,
    3: (1 << 15) - 1,
    4: (1 << 15) - 1,
    5: (1 << 16) - 1,
    6: (1 << 16) - 1,
}


def abi_version() -> int:
    """Return the kernel's Landlock ABI version, or 0 when Landlock is unavailable."""
    try:
        return syscalls.syscall("landlock_create_ruleset", None, 0, 1)  # ..._VERSION flag
    except OSError:
        return 0


def build_ruleset(
    abi: int,
    scratch_root: str,
    extra_read: tuple[str, ...] = (),
    rules: tuple[str, ...] | None = None,
    execute: tuple[str, ...] = (),
) -> int:
    """Return a Landlock ruleset fd: read ``rules`` and ``extra_read``, read-write scratch,
    and read and execute the files in ``execute`` (the program profile's programs).

    ``rules`` default to :func:`forge.sandbox.readable.read_rules` (code and system
    libraries, never package data). A path that vanished since it was listed is skipped.
    """
    if rules is None:
        from forge.sandbox.readable import read_rules

        rules = read_rules()
    fs = _ABI_FS[min(abi, 6)]
    attr = struct.pack("<Q", fs)
    if abi >= 4:
        attr += struct.pack("<Q", 3)  # BIND_TCP | CONNECT_TCP handled, never allowed
    if abi >= 6:
        attr += struct.pack("<Q", 3)  # scope abstract UNIX sockets and signals
    buf = ctypes.create_string_buffer(attr, len(attr))
    fd = syscalls.syscall("landlock_create_ruleset", ctypes.addressof(buf), len(attr), 0)
    try:
        for rule in rules:
            listing = rule.startswith(LIST)
            path, access = (rule[len(LIST) :], _LIST) if listing else (rule, _READ)
            _allow(fd, path, access & fs, missing_ok=True)
        for path in extra_read:
            _allow(fd, path, _READ & fs)
        for path in execute:
            _allow(fd, path, (_READ | _EXECUTE) & fs)
        _allow(fd, "/dev/null", ((1 << 1) | (1 << 2)) & fs)
        _allow(fd, scratch_root, fs)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _allow(ruleset: int, path: str, access: int, missing_ok: bool = False) -> None:
    flags = os.O_PATH | os.O_CLOEXEC  # type: ignore[attr-defined]
    try:
        target = os.open(path, flags)
    except FileNotFoundError:
        if missing_ok:
            return
        raise
    try:
        if not os.path.isdir(path):
            access &= _FILE_RIGHTS
        attr = struct.pack("<Qi", access, target)
        buf = ctypes.create_string_buffer(attr, len(attr))
        syscalls.syscall("landlock_add_rule", ruleset, 1, ctypes.addressof(buf), 0)
    finally:
        os.close(target)


def restrict_self(ruleset: int) -> None:
    """Enforce ``ruleset`` on the calling thread (no_new_privs is set first)."""
    syscalls.prctl(syscalls.PR_SET_NO_NEW_PRIVS, 1)
    syscalls.syscall("landlock_restrict_self", ruleset, 0)
