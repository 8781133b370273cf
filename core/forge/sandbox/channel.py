"""The supervisor's ends of a lane's output pipes: stdout, stderr and the result frame.

The supervisor creates three pipes per lane and passes only the write ends to the lane,
which hands them to every child as fds 1, 2 and 3 and never reads them. So a child's
output and result frame go straight to the trusted side and never sit in a lane's memory
(a lane that once relayed a reference solution's outputs could otherwise leak them,
through freed memory, to a later child forked from it). Everything in the pipes between a
job's start and its ``done`` report belongs to that job: all of its processes are dead by
the time the lane reports ``done``.
"""

from __future__ import annotations

import os
import struct

NAMES = ("stdout", "stderr", "result")


def _close_fds(*fds: int) -> None:
    """Close each descriptor that is still open (>= 0), ignoring ones already gone."""
    for fd in fds:
        if fd >= 0:
            try:
                os.close(fd)
            except OSError:
                pass


class Capture:
    """Read end of one pipe, with a per-job byte cap."""

    def __init__(self, keep_prefix: bool) -> None:
        self.fd, self.write_fd = os.pipe()
        os.set_blocking(self.fd, False)
        self.keep_prefix = keep_prefix  # on overflow keep the first ``cap`` bytes (output)
        self.buf = bytearray()
        self.cap = 0
        self.over = False
        self.closed = False

    def start(self, cap: int) -> None:
        """Begin a job: discard anything left over and accept up to ``cap`` bytes."""
        self.over = True
        self.pump()
        self.buf.clear()
        self.cap, self.over = cap, False

    def pump(self) -> bool:
        """Read what is available; return True if the capture went over its cap just now."""
        was_over = self.over
        while not self.closed:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                break
            if not chunk:
                self.closed = True
                break
            if not self.over:
                self.buf += chunk
                if len(self.buf) > self.cap:
                    self.over = True
                    del self.buf[self.cap if self.keep_prefix else 0 :]
        return self.over and not was_over

    def take(self) -> bytes:
        """Return what this job wrote (after a final pump) and reset the buffer."""
        self.pump()
        data = bytes(self.buf)
        self.buf.clear()
        return data

    def close(self) -> None:
        """Close both ends still held here."""
        _close_fds(self.fd, self.write_fd)
        self.fd = self.write_fd = -1


class Captures:
    """The three captures of one lane, by name."""

    def __init__(self) -> None:
        self.by_name = {name: Capture(keep_prefix=name != "result") for name in NAMES}

    def write_fds(self) -> tuple[int, ...]:
        """Return the write ends to pass to the lane, in NAMES order."""
        return tuple(c.write_fd for c in self.by_name.values())

    def release_write_ends(self) -> None:
        """Close the write ends here once the lane holds them."""
        for c in self.by_name.values():
            os.close(c.write_fd)
            c.write_fd = -1

    def start(self, caps: dict[str, int]) -> None:
        """Begin a job with a byte cap per capture."""
        for name, c in self.by_name.items():
            c.start(caps[name])

    def fds(self) -> list[int]:
        """Return the read ends still open, for select()."""
        return [c.fd for c in self.by_name.values() if not c.closed]

    def pump(self, ready: list[int]) -> str | None:
        """Read the ready fds; return the name of a capture that just went over its cap."""
        over = None
        for name, c in self.by_name.items():
            if c.fd in ready and c.pump():
                over = over or name
        return over

    def over(self) -> str | None:
        """Return the first capture that went over its cap during this job, if any."""
        return next((n for n, c in self.by_name.items() if c.over), None)

    def take(self) -> list[bytes]:
        """Return (stdout, stderr, result) bytes for the job that just finished."""
        return [c.take() for c in self.by_name.values()]

    def close(self) -> None:
        """Close every pipe end still held."""
        for c in self.by_name.values():
            c.close()


class PidPipe:
    """Where the lane posts each child's pid, read only when the child must be signalled.

    The supervisor needs the pid only at a deadline or an output cap, so a normal job
    costs no extra message or wake-up for it.
    """

    def __init__(self) -> None:
        self.fd, self.write_fd = os.pipe()
        os.set_blocking(self.fd, False)
        self.pid: int | None = None

    def reset(self) -> None:
        """Forget the previous job's pid (before sending the next job)."""
        self.latest()
        self.pid = None

    def latest(self) -> int | None:
        """Return the newest pid the lane posted (None if none yet); never 0, 1 or negative."""
        while True:
            try:
                data = os.read(self.fd, 4096)
            except BlockingIOError:
                break
            if not data:
                break
            for i in range(0, len(data) - 7, 8):
                (pid,) = struct.unpack_from("<q", data, i)
                self.pid = pid if pid > 1 else None  # never signal init or a whole session
        return self.pid

    def close(self) -> None:
        """Close both ends still held here."""
        _close_fds(self.fd, self.write_fd)
        self.fd = self.write_fd = -1
