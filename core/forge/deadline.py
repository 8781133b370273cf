"""Bound the time trusted-side Python code may spend on untrusted input, in any thread.

Some pure-Python libraries take exponential time on hostile input (sqlglot parses a chain
of ``JOIN``s without ``ON`` in time doubling per join). Verification runs in worker threads,
where ``signal.alarm`` cannot reach, so :func:`within` installs a per-thread trace function
for the call: on every 1024th Python function call it checks the clock, and past the
deadline it raises :class:`DeadlineExceeded` -- a BaseException, so the library's own
``except Exception`` cannot swallow it. Only Python code is interrupted (a long C call runs
to its end), and the previous trace function (a debugger, coverage) is restored after.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_EVERY = 1024


class DeadlineExceeded(BaseException):
    """Raised inside the bounded call when its time is up."""


def within(seconds: float, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Return ``fn(*args, **kwargs)``; raise DeadlineExceeded if it runs over ``seconds``."""
    deadline = time.monotonic() + seconds
    calls = 0

    def tracer(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        calls += 1
        if calls % _EVERY == 0 and time.monotonic() > deadline:
            raise DeadlineExceeded(f"gave up after {seconds:g}s")

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        return fn(*args, **kwargs)
    finally:
        sys.settrace(previous)
