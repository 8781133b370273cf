"""forge.deadline bounds pure-Python work on untrusted input, in any thread."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from forge.deadline import DeadlineExceeded, within


def _spin() -> None:
    def f(n: int) -> int:
        return n + 1

    x = 0
    while True:
        try:
            x = f(x)
        except Exception:  # noqa: BLE001 - a library that swallows everything
            pass


def test_a_runaway_call_stops_at_its_deadline_even_in_a_thread() -> None:
    out: list[float] = []

    def worker() -> None:
        start = time.monotonic()
        with pytest.raises(DeadlineExceeded):
            within(0.2, _spin)
        out.append(time.monotonic() - start)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(10)
    assert out and out[0] < 2.0


def test_a_quick_call_returns_and_the_previous_tracer_is_restored() -> None:
    previous = sys.gettrace()
    assert within(1.0, sorted, [3, 1, 2]) == [1, 2, 3]
    assert sys.gettrace() is previous
