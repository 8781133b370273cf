"""Length-prefixed messages between the supervisor and its lanes.

A message is a 4-byte big-endian header length, a JSON header, then raw blobs whose
lengths the header lists under ``"blobs"``. JSON and byte strings only: neither side ever
unpickles what the other sent, and the supervisor caps every length it reads.
"""

from __future__ import annotations

import json
import os
import select
import struct
import time
from typing import Any

_LEN = struct.Struct(">I")
MAX_HEADER = 1 << 20


class ChannelClosed(EOFError):
    """The other end of a channel went away."""


def pack(header: dict[str, Any], blobs: tuple[bytes, ...] = ()) -> bytes:
    """Return ``header`` and ``blobs`` as one message ready to write."""
    head = json.dumps({**header, "blobs": [len(b) for b in blobs]}).encode()
    return _LEN.pack(len(head)) + head + b"".join(blobs)


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``fd``; raise ChannelClosed if the reader is gone."""
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise ChannelClosed(str(exc)) from exc
        view = view[n:]


class Reader:
    """Reads messages from a raw file descriptor, with optional deadlines."""

    def __init__(self, fd: int, max_blob: int = 64 << 20) -> None:
        self.fd = fd
        self.max_blob = max_blob
        self._buf = bytearray()

    def read(self, deadline: float | None = None) -> tuple[dict[str, Any], list[bytes]] | None:
        """Return the next ``(header, blobs)``; None if ``deadline`` (monotonic) passes first.

        Raises ChannelClosed when the writer closed its end, or ValueError on a bad message.
        """
        if not self._fill(4, deadline):
            return None
        (hlen,) = _LEN.unpack_from(self._buf)
        if hlen > MAX_HEADER:
            raise ValueError(f"message header of {hlen} bytes")
        if not self._fill(4 + hlen, deadline):
            return None
        header = json.loads(bytes(self._buf[4 : 4 + hlen]))
        sizes = header.get("blobs") if isinstance(header, dict) else None
        if type(sizes) is not list or any(type(s) is not int or s < 0 for s in sizes):
            raise ValueError("malformed message header")
        if sum(sizes) > self.max_blob:
            raise ValueError(f"message blobs of {sum(sizes)} bytes")
        end = 4 + hlen + sum(sizes)
        if not self._fill(end, deadline):
            return None
        blobs, pos = [], 4 + hlen
        for size in sizes:
            blobs.append(bytes(self._buf[pos : pos + size]))
            pos += size
        del self._buf[:end]
        return header, blobs

    def _fill(self, n: int, deadline: float | None) -> bool:
        while len(self._buf) < n:
            if deadline is not None:
                wait = max(0.0, deadline - time.monotonic())
                if not select.select([self.fd], [], [], wait)[0]:
                    return False
            chunk = os.read(self.fd, max(65536, n - len(self._buf)))
            if not chunk:
                raise ChannelClosed("channel closed")
            self._buf += chunk
        return True
