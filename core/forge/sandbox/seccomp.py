"""A hand-assembled seccomp-BPF filter (Linux x86-64 and aarch64), installed via prctl.

The filter is a deny-list on top of a normal Python process: it refuses process creation
(``fork``/``vfork``/``clone`` without ``CLONE_THREAD``; ``clone3`` gets ENOSYS so libc falls
back to ``clone``), ``execve``, sockets, signals to any process but the child itself,
ptrace and cross-process memory access, mounts and namespaces, raising resource limits,
io_uring, BPF, kernel keyrings and modules, clock/host changes, and the objects that
outlive a process (System V IPC, POSIX message queues) or escape RLIMIT_AS (memfd),
and scheduling changes (which could renice or pin other processes of the same user).
Threads still work.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct

from forge.sandbox import syscalls

_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_COMMON = {  # name: (x86_64, aarch64)
    "clone3": (435, 435),
    "execveat": (322, 281),
    "execve": (59, 221),
    "tkill": (200, 130),
    "ptrace": (101, 117),
    "process_vm_readv": (310, 270),
    "process_vm_writev": (311, 271),
    "kcmp": (312, 272),
    "socket": (41, 198),
    "socketpair": (53, 199),
    "mount": (165, 40),
    "umount2": (166, 39),
    "pivot_root": (155, 41),
    "chroot": (161, 51),
    "unshare": (272, 97),
    "setns": (308, 268),
    "bpf": (321, 280),
    "perf_event_open": (298, 241),
    "userfaultfd": (323, 282),
    "keyctl": (250, 219),
    "add_key": (248, 217),
    "request_key": (249, 218),
    "init_module": (175, 105),
    "finit_module": (313, 273),
    "delete_module": (176, 106),
    "kexec_load": (246, 104),
    "kexec_file_load": (320, 294),
    "reboot": (169, 142),
    "swapon": (167, 224),
    "swapoff": (168, 225),
    "acct": (163, 89),
    "setrlimit": (160, 164),
    "prlimit64": (302, 261),
    "io_uring_setup": (425, 425),
    "io_uring_enter": (426, 426),
    "io_uring_register": (427, 427),
    "pidfd_send_signal": (424, 424),
    "pidfd_open": (434, 434),
    "pidfd_getfd": (438, 438),
    "open_by_handle_at": (304, 265),
    "name_to_handle_at": (303, 264),
    "open_tree": (428, 428),
    "move_mount": (429, 429),
    "fsopen": (430, 430),
    "fsconfig": (431, 431),
    "fsmount": (432, 432),
    "fspick": (433, 433),
    "mount_setattr": (442, 442),
    "syslog": (103, 116),
    "settimeofday": (164, 170),
    "clock_settime": (227, 112),
    "sethostname": (170, 161),
    "setdomainname": (171, 162),
    # System V IPC and POSIX message queues outlive the process; memfd escapes RLIMIT_AS.
    "shmget": (29, 194),
    "shmat": (30, 196),
    "shmctl": (31, 195),
    "shmdt": (67, 197),
    "semget": (64, 190),
    "semop": (65, 193),
    "semctl": (66, 191),
    "semtimedop": (220, 192),
    "msgget": (68, 186),
    "msgsnd": (69, 189),
    "msgrcv": (70, 188),
    "msgctl": (71, 187),
    "mq_open": (240, 180),
    "mq_unlink": (241, 181),
    "mq_timedsend": (242, 182),
    "mq_timedreceive": (243, 183),
    "mq_notify": (244, 184),
    "mq_getsetattr": (245, 185),
    "memfd_create": (319, 279),
    # Same-uid processes (the supervisor!) could otherwise be reniced, pinned or starved.
    "setpriority": (141, 140),
    "sched_setparam": (142, 118),
    "sched_setscheduler": (144, 119),
    "sched_setaffinity": (203, 122),
    "sched_setattr": (314, 274),
    "ioprio_set": (251, 30),
    "process_madvise": (440, 440),
    "process_mrelease": (448, 448),
    "migrate_pages": (256, 238),
    "move_pages": (279, 239),
}
_X86_ONLY = {"fork": 57, "vfork": 58, "iopl": 172, "ioperm": 173}
_GUARDED = {  # syscall whose first argument must be our own pid: (x86_64, aarch64)
    "kill": (62, 129),
    "tgkill": (234, 131),
    "rt_sigqueueinfo": (129, 138),
    "rt_tgsigqueueinfo": (297, 240),
}
_CLONE = (56, 220)
CLONE_THREAD = 0x00010000

_LD_W_ABS, _JEQ, _JSET, _JGE, _JA, _RET = 0x20, 0x15, 0x45, 0x35, 0x05, 0x06
_ALLOW, _KILL = 0x7FFF0000, 0x80000000
_EPERM, _ENOSYS = 0x00050000 | errno.EPERM, 0x00050000 | errno.ENOSYS
_NR, _ARCH_OFF, _ARG0 = 0, 4, 16
Insn = tuple[int, int, int, int]


def supported() -> bool:
    """True on the architectures this filter knows the syscall numbers of."""
    return os.uname().machine in _ARCH and syscalls.LINUX


def build(pid: int, machine: str | None = None) -> bytes:
    """Return the filter program (sock_filter array bytes) for a child whose pid is ``pid``.

    The syscall checks form a binary search tree, so both the kernel's per-filter cache
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
    prog += _tree(sorted(rules(pid, arch).items()))
    return b"".join(struct.pack("<HBBI", *ins) for ins in prog)


def rules(pid: int, machine: str) -> dict[int, list[Insn]]:
    """Map each syscall number the filter decides to a block of instructions that returns."""
    col = 0 if machine == "x86_64" else 1
    out = {nums[col]: [(_RET, 0, 0, _EPERM)] for nums in _COMMON.values()}
    out[_COMMON["clone3"][col]] = [(_RET, 0, 0, _ENOSYS)]  # libc then falls back to clone
    if col == 0:
        out.update({nr: [(_RET, 0, 0, _EPERM)] for nr in _X86_ONLY.values()})
    out[_CLONE[col]] = [  # clone: threads only
        (_LD_W_ABS, 0, 0, _ARG0),
        (_JSET, 0, 1, CLONE_THREAD),
        (_RET, 0, 0, _ALLOW),
        (_RET, 0, 0, _EPERM),
    ]
    for nums in _GUARDED.values():  # signals only to ourselves: our pid, or 0 (our group)
        out[nums[col]] = [
            (_LD_W_ABS, 0, 0, _ARG0),
            (_JEQ, 2, 0, pid & 0xFFFFFFFF),
            (_JEQ, 1, 0, 0),
            (_RET, 0, 0, _EPERM),
            (_RET, 0, 0, _ALLOW),
        ]
    return out


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
_template: bytes | None = None


def prepare() -> None:
    """Assemble the filter once (in the lane), so a child only patches in its pid."""
    global _template
    if _template is None:
        _template = build(_MARK)


def install(pid: int) -> None:
    """Install the filter on the calling thread (sets no_new_privs first); raise OSError."""
    prepare()
    assert _template is not None
    code = _template.replace(struct.pack("<I", _MARK), struct.pack("<I", pid & 0xFFFFFFFF))
    buf = ctypes.create_string_buffer(code, len(code))
    fprog = struct.pack("<HxxxxxxQ", len(code) // 8, ctypes.addressof(buf))
    fbuf = ctypes.create_string_buffer(fprog, len(fprog))
    syscalls.prctl(syscalls.PR_SET_NO_NEW_PRIVS, 1)
    syscalls.prctl(syscalls.PR_SET_SECCOMP, 2, ctypes.addressof(fbuf))  # SECCOMP_MODE_FILTER
