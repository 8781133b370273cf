"""The seccomp program, checked instruction by instruction with a small BPF interpreter.

This runs anywhere (no kernel needed) and checks every syscall number on both supported
architectures, so a wrong jump in the hand-assembled search tree cannot hide.
"""

from __future__ import annotations

import struct

import pytest

from forge.sandbox import seccomp

ALLOW, KILL = 0x7FFF0000, 0x80000000
EPERM, ENOSYS = 0x00050001, 0x00050026
PID = 4242


def run_filter(prog: bytes, nr: int, arch: int, arg0: int = 0) -> int:
    """Interpret the classic-BPF subset our filter uses; return its SECCOMP_RET value."""
    insns = [struct.unpack_from("<HBBI", prog, i) for i in range(0, len(prog), 8)]
    data = {0: nr, 4: arch, 16: arg0 & 0xFFFFFFFF}
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


@pytest.mark.parametrize("machine, col", [("x86_64", 0), ("aarch64", 1)])
def test_every_syscall_gets_the_intended_decision(machine: str, col: int) -> None:
    prog = seccomp.build(PID, machine)
    arch = seccomp._ARCH[machine]
    denied = {nums[col] for name, nums in seccomp._COMMON.items() if name != "clone3"}
    if col == 0:
        denied |= set(seccomp._X86_ONLY.values())
    guarded = {nums[col] for nums in seccomp._GUARDED.values()}
    clone, clone3 = seccomp._CLONE[col], seccomp._COMMON["clone3"][col]
    for nr in range(600):
        got = run_filter(prog, nr, arch)
        if nr in denied:
            assert got == EPERM, nr
        elif nr == clone3:
            assert got == ENOSYS
        elif nr == clone:
            assert got == EPERM  # flags 0: a new process
            assert run_filter(prog, nr, arch, seccomp.CLONE_THREAD | 0x100 | 0x800) == ALLOW
        elif nr in guarded:
            assert got == ALLOW  # pid 0: our own process group
            assert run_filter(prog, nr, arch, PID) == ALLOW
            assert run_filter(prog, nr, arch, PID + 1) == EPERM
            assert run_filter(prog, nr, arch, -1) == EPERM
            assert run_filter(prog, nr, arch, 1) == EPERM
        else:
            assert got == ALLOW, nr


def test_foreign_architectures_and_x32_are_refused() -> None:
    prog = seccomp.build(PID, "x86_64")
    assert run_filter(prog, 1, 0x40000003) == KILL  # i386 via int 0x80
    assert run_filter(prog, 0x40000000 + 1, seccomp._ARCH["x86_64"]) == EPERM  # x32


def test_fork_exec_and_sockets_are_in_the_deny_list() -> None:
    names = set(seccomp._COMMON) | set(seccomp._X86_ONLY)
    assert {
        "fork",
        "vfork",
        "execve",
        "execveat",
        "socket",
        "ptrace",
        "setrlimit",
        "prlimit64",
        "unshare",
        "mount",
        "io_uring_setup",
        "bpf",
    } <= names
