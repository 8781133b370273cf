"""The seccomp program, checked instruction by instruction with a small BPF interpreter.

This runs anywhere (no kernel needed) and checks every syscall number on both supported
architectures, so a wrong jump in the hand-assembled search tree cannot hide.
"""

from __future__ import annotations

import struct

import pytest

from forge.sandbox import seccomp
from forge.sandbox import syscall_table as table

ALLOW, KILL = 0x7FFF0000, 0x80000000
EPERM, ENOSYS = 0x00050001, 0x00050026
PID = 4242


def run_filter(prog: bytes, nr: int, arch: int, *args: int) -> int:
    """Interpret the classic-BPF subset our filter uses; return its SECCOMP_RET value.

    ``args`` are the syscall's arguments as 64-bit values (missing ones are 0).
    """
    insns = [struct.unpack_from("<HBBI", prog, i) for i in range(0, len(prog), 8)]
    data = {0: nr, 4: arch}
    for i, value in enumerate((*args, 0, 0, 0, 0, 0, 0)[:6]):
        data[16 + 8 * i] = value & 0xFFFFFFFF
        data[20 + 8 * i] = (value >> 32) & 0xFFFFFFFF
    acc, pc, steps = 0, 0, 0
    while True:
        steps += 1
        assert steps < 64, "the filter should decide any syscall in a few steps"
        code, jt, jf, k = insns[pc]
        if code == 0x20:
            acc, pc = data[k], pc + 1
        elif code == 0x06:
            return k
        elif code == 0x05:
            pc += 1 + k
        elif code in (0x15, 0x35, 0x45):
            hit = {0x15: acc == k, 0x35: acc >= k, 0x45: bool(acc & k)}[code]
            pc += 1 + (jt if hit else jf)
        else:
            raise AssertionError(f"unexpected BPF opcode {code:#x}")


CHECKED = ("clone", "clone3", "prlimit64", "fcntl", "ioctl", *table.SIGNALS_TO_SELF)


@pytest.mark.parametrize("machine, col", [("x86_64", 0), ("aarch64", 1)])
def test_every_syscall_gets_the_intended_decision(machine: str, col: int) -> None:
    prog = seccomp.build(PID, machine)
    arch = seccomp._ARCH[machine]
    denied = table.refused(table.DEFAULT_PROFILE, machine)
    checked = {table.number(name, machine): name for name in CHECKED}
    assert not denied & set(checked)
    for nr in range(600):
        got = run_filter(prog, nr, arch)
        if nr in denied:
            assert got == EPERM, nr
        elif nr in checked:
            check_arguments(prog, nr, arch, checked[nr])
        else:
            assert got == ALLOW, nr


def check_arguments(prog: bytes, nr: int, arch: int, name: str) -> None:
    """The decisions of a syscall the filter checks by argument."""

    def decide(*args: int) -> int:
        return run_filter(prog, nr, arch, *args)

    if name == "clone3":
        assert decide() == ENOSYS
    elif name == "clone":
        assert decide() == EPERM  # flags 0: a new process
        assert decide(seccomp.CLONE_THREAD | 0x100 | 0x800) == ALLOW
    elif name in table.SIGNALS_TO_SELF:
        assert decide() == ALLOW  # pid 0: our own process group
        assert decide(PID) == ALLOW
        for other in (PID + 1, -1, 1, PID + (1 << 32) + 1):
            assert decide(other) == EPERM
    elif name == "prlimit64":
        assert decide(0, 7, 0, 0x7FFF0000) == ALLOW  # getrlimit: prlimit64(0, r, NULL, &old)
        assert decide(PID, 7, 0, 0x7FFF0000) == ALLOW
        assert decide(0, 7, 0x7FFF0000, 0) == EPERM  # setting a limit
        assert decide(0, 7, 1 << 32, 0) == EPERM  # a pointer with only its high word set
        assert decide(PID + 1, 7, 0, 0x7FFF0000) == EPERM  # another process's limits
    elif name == "fcntl":
        assert decide(1, 4, 0x800) == ALLOW  # F_SETFL O_NONBLOCK on our own descriptor
        for cmd in table.REFUSED_FCNTL:
            assert decide(1, cmd, 1) == EPERM
            assert decide(1, cmd | (1 << 32), 1) == EPERM  # junk in the high word
    elif name == "ioctl":
        assert decide(1, 0x5401) == ALLOW  # TCGETS (isatty)
        for cmd in table.REFUSED_IOCTL:
            assert decide(3, cmd) == EPERM
            assert decide(3, cmd | (5 << 32)) == EPERM


def test_a_profile_without_a_group_allows_it() -> None:
    profile = table.DEFAULT_PROFILE - {"exec"}
    prog = seccomp.build(PID, "x86_64", profile)
    arch = seccomp._ARCH["x86_64"]
    assert run_filter(prog, table.number("execve", "x86_64"), arch) == ALLOW
    assert run_filter(prog, table.number("fork", "x86_64"), arch) == EPERM


def test_foreign_architectures_and_x32_are_refused() -> None:
    prog = seccomp.build(PID, "x86_64")
    assert run_filter(prog, 1, 0x40000003) == KILL  # i386 via int 0x80
    assert run_filter(prog, 0x40000000 + 1, seccomp._ARCH["x86_64"]) == EPERM  # x32


def test_fork_exec_sockets_and_metadata_are_in_the_deny_list() -> None:
    names = {name for group in table.DEFAULT_PROFILE for name in table.GROUPS.get(group, ())}
    assert {
        "fork",
        "vfork",
        "execve",
        "execveat",
        "socket",
        "ptrace",
        "setrlimit",
        "unshare",
        "mount",
        "io_uring_setup",
        "bpf",
        "chmod",
        "fchmodat2",
        "fchown",
        "utimensat",
        "setxattr",
        "fremovexattr",
    } <= names


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_the_program_profile_allows_processes_but_no_namespaces(machine: str) -> None:
    arch = seccomp._ARCH[machine]
    prog = seccomp.build(PID, machine, table.PROGRAMS_PROFILE)
    nr = lambda name: table.number(name, machine)  # noqa: E731
    assert run_filter(prog, nr("execve"), arch) == ALLOW
    assert run_filter(prog, nr("clone"), arch, 17) == ALLOW  # fork: SIGCHLD only
    assert run_filter(prog, nr("clone"), arch, 0x10000000 | 17) == EPERM  # CLONE_NEWUSER
    assert run_filter(prog, nr("clone"), arch, 0x40000000 | 17) == EPERM  # CLONE_NEWNET
    assert run_filter(prog, nr("clone3"), arch) == ENOSYS
    for refused in (
        "socket",
        "ptrace",
        "mount",
        "unshare",
        "setrlimit",
        "chmod" if machine == "x86_64" else "fchmodat",
    ):
        assert run_filter(prog, nr(refused), arch) == EPERM, refused
    assert run_filter(prog, nr("kill"), arch, PID + 1, 9) == EPERM  # signals: still only itself
    assert run_filter(prog, nr("kill"), arch, 0, 9) == ALLOW
    scoped = seccomp.build(PID, machine, table.PROGRAMS_PROFILE_OWN_SIGNALS)
    assert run_filter(scoped, nr("kill"), arch, PID + 1, 9) == ALLOW  # uid/Landlock confine it
    assert run_filter(scoped, nr("socket"), arch) == EPERM
