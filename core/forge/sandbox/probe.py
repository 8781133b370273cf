"""The lane's start-up probe: fork a throwaway child, apply every layer, test each one.

A layer counts only if it both installs and bites: with seccomp, ``fork()``, ``socket()``
and a ``chmod`` of a file outside scratch (to the mode it already has, so nothing changes
even if it were allowed) must fail; with Landlock, creating a file outside scratch must
fail; as ``nobody``, the Python standard library must still be readable.
"""

from __future__ import annotations

import json
import os
from typing import Any

PROBE_LIMITS: dict[str, Any] = {
    "cpu_s": 5,
    "file_bytes": 1 << 20,
    "open_files": 64,
    "memory_mb": 1024,
    "result_bytes": 1 << 16,
}


def run_probe(plan: Any, scratch_root: str) -> list[str]:
    """Return the optional layers of ``plan`` that a real child could apply and that work."""
    scratch = os.path.join(scratch_root, "probe")
    os.mkdir(scratch, 0o700)
    from forge.sandbox import isolation

    isolation.prepare_scratch(plan, scratch)
    read_fd, write_fd = os.pipe()
    devnull = os.open(os.devnull, os.O_RDWR)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the probe child
        try:
            applied = isolation.enter(
                plan, PROBE_LIMITS, scratch, (devnull, devnull, devnull, write_fd), strict=False
            )
            working = [x for x in applied if _bites(x, scratch_root)]
            os.write(3, json.dumps(working).encode())
        finally:
            os._exit(0)
    os.close(write_fd)
    os.close(devnull)
    with os.fdopen(read_fd, "rb") as f:
        report = f.read(1 << 16)
    os.waitpid(pid, 0)
    try:
        os.rmdir(scratch)
    except OSError:
        pass
    try:
        return [str(x) for x in json.loads(report)]
    except ValueError:
        return []


def _bites(layer: str, scratch_root: str) -> bool:
    if layer == "seccomp":
        return _fork_refused() and _socket_refused() and _chmod_refused(os.__file__)
    if layer == "landlock":
        return _write_refused(os.path.dirname(scratch_root.rstrip("/")) or "/")
    if layer == "nobody":
        try:
            with open(os.__file__, "rb"):
                return os.getuid() != 0
        except OSError:
            return False
    return True


def _fork_refused() -> bool:
    try:
        pid = os.fork()
    except OSError:
        return True
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return False


def _chmod_refused(path: str) -> bool:
    """True if changing ``path``'s mode is refused (tried with its current mode: a no-op)."""
    try:
        mode = os.stat(path).st_mode & 0o7777
        os.chmod(path, mode)
    except PermissionError:
        return True
    except OSError:
        return False
    return False


def _socket_refused() -> bool:
    import socket

    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except OSError:
        return True
    return False


def _write_refused(folder: str) -> bool:
    path = os.path.join(folder, f".forge-probe-{os.getpid()}")
    try:
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    except OSError:
        return True
    os.close(fd)
    os.unlink(path)
    return False
