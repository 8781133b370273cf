"""The result frame a child writes on its private pipe: a magic tag, a kind, a body.

Kinds: ``V`` a typed-encoded value, ``E`` the runner raised (body: one-line message),
``M`` memory ran out, ``R`` the value was refused (body: why), ``L`` the value was too
large, ``S`` the sandbox could not be set up (body: why). Only ``V`` can become "ok".
"""

from __future__ import annotations

MAGIC = b"FGF1"
KINDS = frozenset(b"VEMRLS")
RESULT_FD = 3


def build(kind: bytes, body: bytes = b"") -> bytes:
    """Return a frame of ``kind`` carrying ``body``."""
    return MAGIC + kind + body


def text(message: str, limit: int = 2000) -> bytes:
    """Return ``message`` squeezed onto one line, capped, as UTF-8 bytes for a frame body."""
    line = " ".join(str(message).split())
    return line[:limit].encode("utf-8", "replace")


def split(frame: bytes) -> tuple[str, bytes] | None:
    """Return ``(kind, body)`` of a well-formed frame, or None when it is not one."""
    if len(frame) < 5 or not frame.startswith(MAGIC) or frame[4] not in KINDS:
        return None
    return chr(frame[4]), frame[5:]
