"""Choose the llama.cpp thread count by measured decode speed, re-checked as the load changes.

With every core it may use, llama.cpp is fastest on an idle machine; beside busy processes
(forge's own sandbox lanes, other jobs) a thread that loses its core stalls the others at
every per-operation barrier, and one thread can be faster. The tuner alternates short
probes of ``threads`` and 1 thread on pure decode steps, then runs the faster one for a
while, and probes again: it follows the machine's load instead of guessing it.
"""

from __future__ import annotations

PROBE_STEPS = 6
RUN_STEPS = 48


class ThreadTuner:
    """Picks a thread count per decode step from ``threads`` and 1 (fixed when ``tune`` is off)."""

    def __init__(self, threads: int, tune: bool = True) -> None:
        self.options = [threads, 1] if tune and threads > 1 else [threads]
        self.rates: dict[int, tuple[float, float]] = {}  # threads -> (rows, seconds) of a probe
        self.current = threads
        self.left = PROBE_STEPS
        self.probing = len(self.options) > 1

    def pick(self) -> int:
        """The thread count for the next decode step."""
        return self.current

    def record(self, rows: int, seconds: float, pure: bool) -> None:
        """Account one decode step of ``rows`` tokens; ``pure``: no prompt tokens in it."""
        if len(self.options) == 1 or not pure or seconds <= 0:
            return
        if self.probing:
            done, secs = self.rates.get(self.current, (0.0, 0.0))
            self.rates[self.current] = (done + rows, secs + seconds)
        self.left -= 1
        if self.left > 0:
            return
        self._next_phase()

    def _next_phase(self) -> None:
        untried = [t for t in self.options if t not in self.rates]
        if self.probing and untried:
            self.current, self.left = untried[0], PROBE_STEPS
            return
        if self.probing:  # both probed: run the faster one, then probe afresh
            self.current = max(self.rates, key=lambda t: self.rates[t][0] / self.rates[t][1])
            self.probing, self.left = False, RUN_STEPS
            return
        self.rates.clear()
        self.probing, self.left = True, PROBE_STEPS

    def describe(self) -> str:
        """e.g. '2 threads (tuned between 2 and 1)'."""
        if len(self.options) == 1:
            return f"{self.options[0]} threads"
        return f"{self.current} threads (tuned between {self.options[0]} and 1)"
