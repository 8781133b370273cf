"""Give every child descriptions of its pipes that no earlier child has touched.

The lane hands each child the write ends of the supervisor's stdout, stderr and result
pipes. Passed as they are, every child would share one open file description per pipe,
and state a candidate sets on it (``O_NONBLOCK``, ``O_ASYNC`` with an owner) would reach
every later child on the lane -- or the supervisor, as SIGIO. So the child reopens each
pipe through ``/proc/self/fd`` (a new description of the same pipe) before anything
untrusted runs, and the lane resets the pipe's own state (its size) before every fork.
Where ``/proc`` is missing (macOS), the shared description's flags and owner are reset
instead.
"""

from __future__ import annotations

import fcntl
import os

_GET_SIZE = getattr(fcntl, "F_GETPIPE_SZ", None)
_SET_SIZE = getattr(fcntl, "F_SETPIPE_SZ", None)


def fresh(fds: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """Return (stdin, stdout, stderr, result) as descriptors this child alone holds.

    Called in the forked child before its privileges drop (reopening needs them).
    """
    stdin, out, err, result = fds
    return _devnull(stdin), _reopen(out), _reopen(err), _reopen(result)


def pipe_size(fd: int) -> int:
    """Return the pipe's buffer size in bytes (0 where the platform cannot say)."""
    if _GET_SIZE is None:
        return 0
    try:
        return int(fcntl.fcntl(fd, _GET_SIZE))
    except OSError:
        return 0


def reset_pipes(fds: tuple[int, ...], size: int) -> None:
    """Give every pipe in ``fds`` its original buffer ``size`` again (lane, before a fork).

    A child may have shrunk or grown a pipe; the size belongs to the pipe, not to any one
    description, so a fresh description does not undo it.
    """
    if _SET_SIZE is None or size <= 0:
        return
    for fd in fds:
        if pipe_size(fd) != size:
            try:
                fcntl.fcntl(fd, _SET_SIZE, size)
            except OSError:
                pass  # a smaller pipe still works (writes block); only slower


def _reopen(fd: int) -> int:
    """Return a new description of the pipe behind ``fd``; else reset ``fd``'s own state."""
    try:
        new = os.open(f"/proc/self/fd/{fd}", os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        _reset(fd)
        return fd
    a, b = os.fstat(fd), os.fstat(new)
    if (a.st_dev, a.st_ino) != (b.st_dev, b.st_ino):
        os.close(new)
        _reset(fd)
        return fd
    os.set_blocking(new, True)
    return new


def _devnull(fallback: int) -> int:
    try:
        return os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        _reset(fallback)
        return fallback


def _reset(fd: int) -> None:
    """Clear the status flags (O_NONBLOCK, O_APPEND, O_ASYNC) and the owner of ``fd``."""
    fcntl.fcntl(fd, fcntl.F_SETFL, 0)
    try:
        fcntl.fcntl(fd, fcntl.F_SETOWN, 0)
    except OSError:
        pass
