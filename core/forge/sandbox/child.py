"""What runs in the forked child: lock the process down, call the runner, write one frame.

Everything after :func:`run` starts is untrusted territory: the candidate shares this
process and can patch anything in it, including this module. Safety therefore comes from
the layers applied *before* the runner is called (and from what is absent: expected values
never enter this process) and from the trusted decoder on the supervisor's side.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from forge.sandbox import codec, frames, isolation

SETUP_FAILED_EXIT = 70
_MEMORY_FRAME = frames.build(b"M")


def run(
    fn: Callable[[Any], Any],
    payload: bytes,
    limits: dict[str, Any],
    scratch: str,
    fds: tuple[int, int, int, int],
    plan: isolation.Plan,
) -> None:
    """Set up the sandbox in this (forked) process, run ``fn(payload)``, write a frame, exit.

    ``fds`` is (stdin, stdout, stderr, result) as opened by the lane. Never returns.
    """
    try:
        isolation.enter(plan, limits, scratch, fds)
        arg = codec.decode(payload)
    except BaseException as exc:  # noqa: BLE001 - any setup failure must fail closed
        frame = frames.build(b"S", frames.text(f"{type(exc).__name__}: {exc}"))
        if not _emit(frame, fds[3]):  # not wired to fd 3 yet: the lane's result descriptor
            _emit(frame)
        os._exit(SETUP_FAILED_EXIT)
    frame = _call(fn, arg, int(limits["result_bytes"]))
    _flush()
    _emit(frame)
    os._exit(0)


def _call(fn: Callable[[Any], Any], arg: Any, result_bytes: int) -> bytes:
    try:
        value = fn(arg)
    except MemoryError:
        return _MEMORY_FRAME
    except BaseException as exc:  # noqa: BLE001 - SystemExit and friends are errors too
        return frames.build(b"E", frames.text(describe(exc)))
    try:
        return frames.build(b"V", codec.encode(value, result_bytes))
    except MemoryError:
        return _MEMORY_FRAME
    except codec.TooLarge:
        return frames.build(b"L", frames.text(f"result is larger than {result_bytes} bytes"))
    except (codec.NotPlain, RecursionError) as exc:
        reason = str(exc) if type(exc) is codec.NotPlain else "result nests too deeply"
        return frames.build(b"R", frames.text(reason))
    except BaseException as exc:  # noqa: BLE001
        return frames.build(b"R", frames.text(f"result could not be encoded: {describe(exc)}"))


def describe(exc: BaseException) -> str:
    """Return ``"ExcType: message"`` for ``exc``, surviving a hostile ``__str__``."""
    name = codec._type_name(type(exc))
    try:
        detail = str(exc)
    except BaseException:  # noqa: BLE001
        detail = "<unprintable>"
    return f"{name}: {detail}" if detail else name


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001, S110 - a broken stream must not block the frame
            pass


def _emit(frame: bytes, fd: int = frames.RESULT_FD) -> bool:
    """Write ``frame`` to ``fd``; return False if it could not be written at all."""
    view = memoryview(frame)
    try:
        while view:
            view = view[os.write(fd, view) :]
    except OSError:
        return len(view) < len(frame)
    return True
