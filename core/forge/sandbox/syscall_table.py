"""What the seccomp filter refuses, by group, with syscall numbers for x86-64 and aarch64.

A *profile* is a set of group names; :data:`DEFAULT_PROFILE` refuses every group;
:data:`PROGRAMS_PROFILE`, for domains that run declared executables, drops ``process`` and
``exec`` and keeps the rest, so each group is one reason a candidate must not do something,
not one syscall.

Besides the plain refusals, a few syscalls are allowed only with harmless arguments (see
:mod:`forge.sandbox.seccomp`): ``clone`` for threads, signals to the child itself,
``prlimit64`` to *read* its own limits (glibc's ``getrlimit``), ``fcntl`` and ``ioctl``
without the commands that reach other processes or change inode flags.
"""

from __future__ import annotations

NUMBERS: dict[str, tuple[int | None, int | None]] = {  # name: (x86_64, aarch64)
    # processes and programs
    "fork": (57, None),
    "vfork": (58, None),
    "clone": (56, 220),
    "clone3": (435, 435),
    "execve": (59, 221),
    "execveat": (322, 281),
    # network
    "socket": (41, 198),
    "socketpair": (53, 199),
    # other processes: tracing, memory, signals, descriptors
    "ptrace": (101, 117),
    "process_vm_readv": (310, 270),
    "process_vm_writev": (311, 271),
    "kcmp": (312, 272),
    "perf_event_open": (298, 241),
    "userfaultfd": (323, 282),
    "pidfd_send_signal": (424, 424),
    "pidfd_open": (434, 434),
    "pidfd_getfd": (438, 438),
    "process_madvise": (440, 440),
    "process_mrelease": (448, 448),
    "kill": (62, 129),
    "tkill": (200, 130),
    "tgkill": (234, 131),
    "rt_sigqueueinfo": (129, 138),
    "rt_tgsigqueueinfo": (297, 240),
    # mounts, namespaces, file handles
    "mount": (165, 40),
    "umount2": (166, 39),
    "pivot_root": (155, 41),
    "chroot": (161, 51),
    "unshare": (272, 97),
    "setns": (308, 268),
    "open_by_handle_at": (304, 265),
    "name_to_handle_at": (303, 264),
    "open_tree": (428, 428),
    "move_mount": (429, 429),
    "fsopen": (430, 430),
    "fsconfig": (431, 431),
    "fsmount": (432, 432),
    "fspick": (433, 433),
    "mount_setattr": (442, 442),
    "open_tree_attr": (467, 467),
    # the kernel and the machine
    "bpf": (321, 280),
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
    "syslog": (103, 116),
    "settimeofday": (164, 170),
    "clock_settime": (227, 112),
    "sethostname": (170, 161),
    "setdomainname": (171, 162),
    "io_uring_setup": (425, 425),
    "io_uring_enter": (426, 426),
    "io_uring_register": (427, 427),
    "iopl": (172, None),
    "ioperm": (173, None),
    # resource limits
    "setrlimit": (160, 164),
    "prlimit64": (302, 261),
    # objects that outlive the process (System V IPC, message queues) or escape RLIMIT_AS
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
    # scheduling of other processes of the same user (the supervisor!)
    "setpriority": (141, 140),
    "sched_setparam": (142, 118),
    "sched_setscheduler": (144, 119),
    "sched_setaffinity": (203, 122),
    "sched_setattr": (314, 274),
    "ioprio_set": (251, 30),
    "migrate_pages": (256, 238),
    "move_pages": (279, 239),
    # inode metadata: Landlock does not cover it, and a root child owns root's files
    "chmod": (90, None),
    "fchmod": (91, 52),
    "fchmodat": (268, 53),
    "fchmodat2": (452, 452),
    "chown": (92, None),
    "fchown": (93, 55),
    "lchown": (94, None),
    "fchownat": (260, 54),
    "utime": (132, None),
    "utimes": (235, None),
    "futimesat": (261, None),
    "utimensat": (280, 88),
    "setxattr": (188, 5),
    "lsetxattr": (189, 6),
    "fsetxattr": (190, 7),
    "removexattr": (197, 14),
    "lremovexattr": (198, 15),
    "fremovexattr": (199, 16),
    "setxattrat": (463, 463),
    "removexattrat": (466, 466),
    "file_setattr": (469, 469),
    # checked by argument (see seccomp.py)
    "fcntl": (72, 25),
    "ioctl": (16, 29),
}

GROUPS: dict[str, tuple[str, ...]] = {
    "process": ("fork", "vfork"),
    "exec": ("execve", "execveat"),
    "network": ("socket", "socketpair"),
    "other_processes": (
        "ptrace",
        "process_vm_readv",
        "process_vm_writev",
        "kcmp",
        "perf_event_open",
        "userfaultfd",
        "pidfd_send_signal",
        "pidfd_open",
        "pidfd_getfd",
        "process_madvise",
        "process_mrelease",
        "tkill",
    ),
    "mounts": (
        "mount",
        "umount2",
        "pivot_root",
        "chroot",
        "unshare",
        "setns",
        "open_by_handle_at",
        "name_to_handle_at",
        "open_tree",
        "move_mount",
        "fsopen",
        "fsconfig",
        "fsmount",
        "fspick",
        "mount_setattr",
        "open_tree_attr",
    ),
    "kernel": (
        "bpf",
        "keyctl",
        "add_key",
        "request_key",
        "init_module",
        "finit_module",
        "delete_module",
        "kexec_load",
        "kexec_file_load",
        "reboot",
        "swapon",
        "swapoff",
        "acct",
        "syslog",
        "settimeofday",
        "clock_settime",
        "sethostname",
        "setdomainname",
        "io_uring_setup",
        "io_uring_enter",
        "io_uring_register",
        "iopl",
        "ioperm",
    ),
    "limits": ("setrlimit",),
    "lasting_objects": (
        "shmget",
        "shmat",
        "shmctl",
        "shmdt",
        "semget",
        "semop",
        "semctl",
        "semtimedop",
        "msgget",
        "msgsnd",
        "msgrcv",
        "msgctl",
        "mq_open",
        "mq_unlink",
        "mq_timedsend",
        "mq_timedreceive",
        "mq_notify",
        "mq_getsetattr",
        "memfd_create",
    ),
    "scheduling": (
        "setpriority",
        "sched_setparam",
        "sched_setscheduler",
        "sched_setaffinity",
        "sched_setattr",
        "ioprio_set",
        "migrate_pages",
        "move_pages",
    ),
    "metadata": (
        "chmod",
        "fchmod",
        "fchmodat",
        "fchmodat2",
        "chown",
        "fchown",
        "lchown",
        "fchownat",
        "utime",
        "utimes",
        "futimesat",
        "utimensat",
        "setxattr",
        "lsetxattr",
        "fsetxattr",
        "removexattr",
        "lremovexattr",
        "fremovexattr",
        "setxattrat",
        "removexattrat",
        "file_setattr",
    ),
}
DEFAULT_PROFILE = frozenset(GROUPS) | {"signals"}
"""Every group, plus ``signals``: kill and friends only to the child itself (see seccomp.py)."""
PROGRAMS_PROFILE = DEFAULT_PROFILE - {"process", "exec"}
"""For jobs that run a domain's declared programs (see forge.sandbox.profile)."""
PROGRAMS_PROFILE_OWN_SIGNALS = PROGRAMS_PROFILE - {"signals"}
"""The program profile where something else confines signals to the job's own processes
(a uid of the lane's own, or Landlock's signal scope), so a runner can kill its
subprocesses by pid."""

SIGNALS_TO_SELF = ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")
"""Allowed only with our own pid (or 0, our process group) as the first argument."""

REFUSED_FCNTL = (8, 15, 1024)  # F_SETOWN, F_SETOWN_EX, F_SETLEASE
"""fcntl commands that would let a signal (SIGIO) or a lease reach another process."""

REFUSED_IOCTL = (
    0x8901,  # FIOSETOWN: same as F_SETOWN
    0x8902,  # SIOCSPGRP: same, for sockets
    0x5412,  # TIOCSTI: type into a terminal
    0x40086602,  # FS_IOC_SETFLAGS: inode flags (chattr)
    0x40046602,  # FS_IOC32_SETFLAGS
    0x40087602,  # FS_IOC_SETVERSION
    0x40047602,  # FS_IOC32_SETVERSION
    0x401C5820,  # FS_IOC_FSSETXATTR: extended inode flags, project id
)
"""ioctl commands that reach other processes or change a file's inode flags."""


def number(name: str, machine: str) -> int | None:
    """Return the syscall number of ``name`` on ``machine`` (None where it does not exist)."""
    return NUMBERS[name][0 if machine == "x86_64" else 1]


def refused(profile: frozenset[str], machine: str) -> set[int]:
    """Return the syscall numbers ``profile`` refuses outright on ``machine``."""
    names = {name for group in profile for name in GROUPS.get(group, ())}
    return {nr for nr in (number(n, machine) for n in names) if nr is not None}
