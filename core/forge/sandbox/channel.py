"""The supervisor's end of a lane's result pipe.

Each lane gets the write end of a pipe the supervisor created; the lane hands it to every
child as fd 3 and never reads it, so result frames go from the child straight to the
trusted side and never sit in a lane's memory (a lane that once relayed a reference
solution's outputs could otherwise leak them, through freed memory, to later children).
Everything in the pipe between a job's start and its ``done`` report belongs to that job:
all of its processes are dead by then.
"""

from __future__ import annotations

import os


class ResultPipe:
    """Read end of one lane's result pipe, with a per-job byte cap."""

    def __init__(self) -> None:
        self.fd, self.write_fd = os.pipe()
        os.set_blocking(self.fd, False)
        self.buf = bytearray()
        self.cap = 0
        self.over = False
        self.closed = False

    def start(self, cap: int) -> None:
        """Begin a job: discard anything left over and accept up to ``cap`` bytes."""
        self.drain()
        self.buf.clear()
        self.cap, self.over = cap, False

    def pump(self) -> bool:
        """Read what is available; return True if the frame went over its cap just now."""
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
                    self.buf.clear()
        return self.over and not was_over

    def drain(self) -> None:
        """Read and keep whatever is still buffered in the pipe (call after ``done``)."""
        self.pump()

    def take(self) -> bytes:
        """Return this job's frame bytes and reset the buffer."""
        frame = bytes(self.buf)
        self.buf.clear()
        return frame

    def close(self) -> None:
        """Close both ends still held here."""
        for fd in (self.fd, self.write_fd):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.fd = self.write_fd = -1
