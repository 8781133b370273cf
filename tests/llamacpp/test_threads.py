"""The thread tuner: probes both thread counts on pure decode steps, keeps the faster one."""

from __future__ import annotations

import pytest

from forge.llamacpp.threads import PROBE_STEPS, RUN_STEPS, ThreadTuner

pytestmark = pytest.mark.no_llamacpp


def _drive(tuner: ThreadTuner, speed: dict[int, float], steps: int) -> list[int]:
    """Run ``steps`` decode steps of 32 rows at ``speed[threads]`` rows/s; return the picks."""
    picks = []
    for _ in range(steps):
        t = tuner.pick()
        picks.append(t)
        tuner.record(32, 32 / speed[t], pure=True)
    return picks


def test_it_keeps_the_faster_count_and_probes_again_later() -> None:
    tuner = ThreadTuner(2)
    picks = _drive(tuner, {2: 40.0, 1: 70.0}, 2 * PROBE_STEPS + RUN_STEPS)
    assert picks[:PROBE_STEPS] == [2] * PROBE_STEPS  # probe 2 threads, then 1
    assert picks[PROBE_STEPS : 2 * PROBE_STEPS] == [1] * PROBE_STEPS
    assert set(picks[2 * PROBE_STEPS :]) == {1}  # a busy machine: one thread wins
    assert "tuned between 2 and 1" in tuner.describe()
    picks = _drive(tuner, {2: 120.0, 1: 70.0}, 2 * PROBE_STEPS + 4)  # the machine got idle
    assert picks[-1] == 2


def test_prompt_steps_are_not_measured_and_one_thread_is_fixed() -> None:
    tuner = ThreadTuner(2)
    for _ in range(50):
        tuner.record(500, 9.0, pure=False)  # prefill-heavy steps say nothing about decode
    assert tuner.pick() == 2 and not tuner.rates
    fixed = ThreadTuner(2, tune=False)
    assert _drive(fixed, {2: 1.0, 1: 100.0}, 80) == [2] * 80
    assert ThreadTuner(1).describe() == "1 threads"
