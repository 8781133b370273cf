"""Per-lane Linux namespaces: an empty network namespace and a private tmpfs scratch.

Entered once by each lane (not per child, which would cost ~1 ms a job). As root the lane
unshares directly; otherwise it tries an unprivileged user namespace first. Whatever works
is returned by name and recorded; whatever does not is simply absent.
"""

from __future__ import annotations

import os

from forge.sandbox import syscalls

SCRATCH_TMPFS = "size=64m,nr_inodes=4096,mode=0711"
_userns = False


def enter_lane_namespaces(scratch_root: str, disable: tuple[str, ...] = ()) -> list[str]:
    """Move this lane into new network and mount namespaces; return the layers that worked."""
    want_net = "netns" not in disable
    want_fs = "tmpfs" not in disable
    flags = (syscalls.CLONE_NEWNET if want_net else 0) | (syscalls.CLONE_NEWNS if want_fs else 0)
    if not flags or not _unshare(flags):
        return []
    layers = []
    if want_net and _only_loopback():
        layers.append("netns")
    if want_fs and _mount_scratch(scratch_root):
        layers.append("tmpfs")
    return layers


def _unshare(flags: int) -> bool:
    try:
        syscalls.unshare(flags)
        return True
    except OSError:
        pass
    uid, gid = os.geteuid(), os.getegid()
    try:
        syscalls.unshare(flags | syscalls.CLONE_NEWUSER)
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    except OSError:
        return False
    global _userns
    _userns = True
    return True


def in_own_user_namespace() -> bool:
    """True when this lane entered a user namespace of its own (an ordinary user's lane):
    process counts (RLIMIT_NPROC) then cover only the lane and its children."""
    return _userns


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _only_loopback() -> bool:
    import socket

    try:
        return [name for _, name in socket.if_nameindex()] == ["lo"]
    except OSError:
        return False


def _mount_scratch(scratch_root: str) -> bool:
    try:
        syscalls.mount("none", "/", None, syscalls.MS_REC | syscalls.MS_PRIVATE, None)
        flags = syscalls.MS_NOSUID | syscalls.MS_NODEV
        syscalls.mount("forge-scratch", scratch_root, "tmpfs", flags, SCRATCH_TMPFS)
        return True
    except OSError:
        return False
