"""A hand-assembled seccomp-BPF filter (Linux x86-64 and aarch64), installed via prctl.

The filter is a deny-list on top of a normal Python process. What it refuses is listed by
group in :mod:`forge.sandbox.syscall_table` (a *profile* is a set of groups): process
creation (``fork``/``vfork``/``clone`` without ``CLONE_THREAD``; ``clone3`` gets ENOSYS so
libc falls back to ``clone``), ``execve``, sockets, signals to any process but the child
itself, ptrace and cross-process memory access, mounts and namespaces, raising resource
limits (reading them stays allowed), io_uring, BPF, kernel keyrings and modules,
clock/host changes, objects that outlive a process (System V IPC, POSIX message queues)
or escape RLIMIT_AS (memfd), scheduling changes (which could renice or pin other
processes of the same user), inode metadata (chmod, chown, utime, xattrs, inode flags:
Landlock does not cover them), and descriptor owners (``F_SETOWN``, which would aim
SIGIO at another process). Threads still work.

The program profile (:data:`forge.sandbox.syscall_table.PROGRAMS_PROFILE`, for jobs that
run a domain's declared programs) drops the ``process`` and ``exec`` groups: ``fork``,
``vfork`` and ``execve`` are allowed, and ``clone`` only without namespace flags. What may
be executed is Landlock's business; how many processes, ``RLIMIT_NPROC``'s.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct

from forge.sandbox import syscall_table as table
from forge.sandbox import syscalls

_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
CLONE_THREAD = 0x00010000
CLONE_NEW_FLAGS = 0x00000080 | 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000
CLONE_NEW_FLAGS |= 0x20000000 | 0x40000000  # NEWTIME NS CGROUP UTS IPC USER PID NET

_LD_W_ABS, _JEQ, _JSET, _JGE, _JA, _RET = 0x20, 0x15, 0x45, 0x35, 0x05, 0x06
_ALLOW, _KILL = 0x7FFF0000, 0x80000000
_EPERM, _ENOSYS = 0x00050000 | errno.EPERM, 0x00050000 | errno.ENOSYS
_NR, _ARCH_OFF, _ARGS = 0, 4, 16
Insn = tuple[int, int, int, int]


def supported() -> bool:
    """True on the architectures this filter knows the syscall numbers of."""
    return os.uname().machine in _ARCH and syscalls.LINUX


def build(
    pid: int, machine: str | None = None, profile: frozenset[str] = table.DEFAULT_PROFILE
) -> bytes:
    """Return the filter program (sock_filter array bytes) for a child whose pid is ``pid``.

    ``profile`` names the groups of :mod:`forge.sandbox.syscall_table` to refuse. The
    syscall checks form a binary search tree, so both the kernel's per-filter cache
    preparation (which emulates the filter for every syscall number at install time) and
    each syscall's check take a handful of steps rather than a walk down a long list.
    """
    arch = machine or os.uname().machine
    prog: list[Insn] = [
        (_LD_W_ABS, 0, 0, _ARCH_OFF),
        (_JEQ, 1, 0, _ARCH[arch]),
        (_RET, 0, 0, _KILL),
        (_LD_W_ABS, 0, 0, _NR),
    ]
    if arch == "x86_64":  # refuse the x32 ABI outright
        prog += [(_JGE, 0, 1, 0x40000000), (_RET, 0, 0, _EPERM)]
    prog += _tree(sorted(rules(pid, arch, profile).items()))
    return b"".join(struct.pack("<HBBI", *ins) for ins in prog)


def rules(
    pid: int, machine: str, profile: frozenset[str] = table.DEFAULT_PROFILE
) -> dict[int, list[Insn]]:
    """Map each syscall number the filter decides to a block of instructions that returns."""

    def nr(name: str) -> int:
        found = table.number(name, machine)
        assert found is not None
        return found

    out = {n: _ret(_EPERM) for n in table.refused(profile, machine)}
    if "process" in profile:
        out[nr("clone3")] = _ret(_ENOSYS)  # libc then falls back to clone
        out[nr("clone")] = [  # clone: threads only
            (_LD_W_ABS, 0, 0, _arg(0)),
            (_JSET, 0, 1, CLONE_THREAD),
            (_RET, 0, 0, _ALLOW),
            (_RET, 0, 0, _EPERM),
        ]
    else:  # processes, but no new namespaces (clone3's flags are out of reach: ENOSYS)
        out[nr("clone3")] = _ret(_ENOSYS)
        out[nr("clone")] = [
            (_LD_W_ABS, 0, 0, _arg(0)),
            (_JSET, 0, 1, CLONE_NEW_FLAGS),
            (_RET, 0, 0, _EPERM),
            (_RET, 0, 0, _ALLOW),
        ]
    if "signals" in profile:  # signals only to ourselves: our pid, or 0 (our group)
        for name in table.SIGNALS_TO_SELF:
            out[nr(name)] = _only(0, (pid & 0xFFFFFFFF, 0))
    if "other_processes" in profile:
        out[nr("fcntl")] = _refuse(1, table.REFUSED_FCNTL)
    if "other_processes" in profile or "metadata" in profile:
        out[nr("ioctl")] = _refuse(1, table.REFUSED_IOCTL)
    if "limits" in profile:
        out[nr("prlimit64")] = _read_own_limits(pid)
    return out


def _arg(i: int, high: bool = False) -> int:
    """Offset of argument ``i``'s low (or high) 32-bit word in seccomp_data (little-endian)."""
    return _ARGS + 8 * i + (4 if high else 0)


def _ret(action: int) -> list[Insn]:
    return [(_RET, 0, 0, action)]


def _refuse(arg: int, values: tuple[int, ...]) -> list[Insn]:
    """EPERM when the low word of argument ``arg`` is one of ``values``, else allow.

    Only the low word: the kernel reads these arguments as 32-bit ``unsigned int``, so
    junk in the high word must not slip a refused value past the check.
    """
    n = len(values)
    block: list[Insn] = [(_LD_W_ABS, 0, 0, _arg(arg))]
    block += [(_JEQ, n - i, 0, v) for i, v in enumerate(values)]
    return [*block, (_RET, 0, 0, _ALLOW), (_RET, 0, 0, _EPERM)]


def _only(arg: int, values: tuple[int, ...]) -> list[Insn]:
    """Allow when the low word of argument ``arg`` is one of ``values``, else EPERM."""
    n = len(values)
    block: list[Insn] = [(_LD_W_ABS, 0, 0, _arg(arg))]
    block += [(_JEQ, n - i, 0, v) for i, v in enumerate(values)]
    return [*block, (_RET, 0, 0, _EPERM), (_RET, 0, 0, _ALLOW)]


def _read_own_limits(pid: int) -> list[Insn]:
    """prlimit64(0 or own pid, resource, NULL, old): reading limits (glibc's getrlimit) only."""
    return [
        (_LD_W_ABS, 0, 0, _arg(2)),
        (_JEQ, 0, 5, 0),  # new_limit must be NULL: low word ...
        (_LD_W_ABS, 0, 0, _arg(2, high=True)),
        (_JEQ, 0, 3, 0),  # ... and high word
        *_only(0, (pid & 0xFFFFFFFF, 0))[:-2],
        (_RET, 0, 0, _EPERM),
        (_RET, 0, 0, _ALLOW),
    ]


def _tree(items: list[tuple[int, list[Insn]]]) -> list[Insn]:
    """Return a search over sorted ``(nr, block)`` items; unmatched numbers are allowed."""
    if len(items) <= 4:
        out: list[Insn] = []
        for nr, block in items:
            out += [(_JEQ, 0, len(block), nr), *block]
        return [*out, (_RET, 0, 0, _ALLOW)]
    mid = len(items) // 2
    left, right = _tree(items[:mid]), _tree(items[mid:])
    return [(_JGE, 0, 1, items[mid][0]), (_JA, 0, 0, len(left)), *left, *right]


_MARK = 0x7EADBEEF
_templates: dict[tuple[bool, bool], bytes] = {}


def prepare() -> None:
    """Assemble the filters once (in the lane), so a child only patches in its pid."""
    if not _templates:
        _templates[(False, False)] = build(_MARK)
        _templates[(True, False)] = build(_MARK, profile=table.PROGRAMS_PROFILE)
        _templates[(True, True)] = build(_MARK, profile=table.PROGRAMS_PROFILE_OWN_SIGNALS)


def install(pid: int, programs: bool = False, own_signals: bool = False) -> None:
    """Install the filter on the calling thread (sets no_new_privs first); raise OSError.

    ``programs`` selects the program profile; ``own_signals`` (only with it) lets the child
    signal any pid, for lanes where the uid or Landlock already confines signals to the
    job's own processes.
    """
    prepare()
    code = _templates[(programs, programs and own_signals)].replace(
        struct.pack("<I", _MARK), struct.pack("<I", pid & 0xFFFFFFFF)
    )
    buf = ctypes.create_string_buffer(code, len(code))
    fprog = struct.pack("<HxxxxxxQ", len(code) // 8, ctypes.addressof(buf))
    fbuf = ctypes.create_string_buffer(fprog, len(fprog))
    syscalls.prctl(syscalls.PR_SET_NO_NEW_PRIVS, 1)
    syscalls.prctl(syscalls.PR_SET_SECCOMP, 2, ctypes.addressof(fbuf))  # SECCOMP_MODE_FILTER
