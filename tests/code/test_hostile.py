"""Hostile and broken candidates go through the real sandbox and never pass or raise."""

from __future__ import annotations

import pytest

HOSTILE = {
    "infinite_loop": ("def add(a, b):\n    while True:\n        pass\n", {"timeout"}),
    "loop_at_import": ("while True:\n    pass\n", {"timeout"}),
    "swallows_the_alarm": (
        "import time\ndef add(a, b):\n    while True:\n        try:\n            time.sleep(10)\n"
        "        except BaseException:\n            pass\n",
        {"timeout"},
    ),
    "ignores_the_alarm": (
        "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "def add(a, b):\n    while True:\n        pass\n",
        {"timeout"},
    ),
    "exit_0_at_import": ("import sys\nsys.exit(0)\n", {"error"}),
    "exit_0_in_call": ("def add(a, b):\n    exit(0)\n", {"error"}),
    "os_exit_0": ("import os\ndef add(a, b):\n    os._exit(0)\n", {"crash"}),
    "always_equal": (
        "class Eq:\n    def __eq__(self, other):\n        return True\n"
        "def add(a, b):\n    return Eq()\n",
        {"failed"},
    ),
    "int_subclass": (
        "class I(int):\n    def __eq__(self, other):\n        return True\n"
        "def add(a, b):\n    return I(0)\n",
        {"failed"},
    ),
    "prints_passed": (
        "def add(a, b):\n    print('passed'); print('All tests passed')\n    return 0\n",
        {"failed"},
    ),
    "patches_the_runner": (
        "import forge_code.runner as r\nr.is_plain = lambda v: True\n"
        "class Eq:\n    def __eq__(self, other):\n        return True\n"
        "def add(a, b):\n    return Eq()\n",
        {"error", "rejected", "crash", "failed"},
    ),
    "forges_results": (
        "import forge_code.runner as r\n"
        "r.run = lambda payload: {'setup': None, 'results': [['ok', 'passed']] * 99}\n"
        "def add(a, b):\n    return 'passed'\n",
        {"failed"},
    ),
    "hunts_expected_values": (
        "import gc\ndef add(a, b):\n    for o in gc.get_objects():\n"
        "        if isinstance(o, dict) and 'expected' in o:\n            return o['expected']\n",
        {"failed"},
    ),
    "infinite_recursion": ("def add(a, b):\n    return add(a, b)\n", {"error"}),
    "memory_bomb": (
        "def add(a, b):\n    x = [0] * (10 ** 10)\n    return a + b\n",
        {"error", "memory"},
    ),
    "huge_result": ("def add(a, b):\n    return 'x' * (64 << 20)\n", {"failed"}),
    "hostile_exception": (
        "class E(Exception):\n    def __str__(self):\n        raise RuntimeError('no')\n"
        "def add(a, b):\n    raise E()\n",
        {"error"},
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_candidate_never_passes(name, domain, builtin, forge_sandbox) -> None:
    source, statuses = HOSTILE[name]
    task = builtin["add"]
    verdict = domain.verify(task, source, forge_sandbox)
    assert verdict.status in statuses, (verdict.status, verdict.message)
    assert verdict.status != "passed" and domain.score(verdict) < 1.0
    assert domain.feedback(task, verdict).strip()


def test_timeout_keeps_the_cases_that_finished(domain, builtin, forge_sandbox) -> None:
    source = "def fizzbuzz(n):\n    while n == 3:\n        pass\n    return 'Buzz' if n == 5 else str(n)\n"
    verdict = domain.verify(builtin["fizzbuzz"], source, forge_sandbox)
    feedback = domain.feedback(builtin["fizzbuzz"], verdict)
    assert verdict.status == "timeout"
    assert verdict.passed == 2  # 'Buzz' for 5 and '7' for 7 still count
    assert "- input=[3] timed out after 1s" in feedback
    assert "- input=[15] expected='FizzBuzz' got='15'" in feedback


def test_whole_program_timeout_message(domain, builtin, forge_sandbox) -> None:
    verdict = domain.verify(builtin["add"], HOSTILE["infinite_loop"][0], forge_sandbox)
    assert verdict.message == "timed out after 2.0s"
    assert domain.feedback(builtin["add"], verdict) == (
        "The code timed out after 2.0s; it may loop forever or be far too slow."
    )
    assert verdict.total == 3 and verdict.passed == 0


def test_verdict_records_isolation_layers(domain, builtin, forge_sandbox) -> None:
    verdict = domain.verify(builtin["add"], "def add(a, b):\n    return a + b\n", forge_sandbox)
    assert verdict.status == "passed"
    assert "fork" in verdict.isolation
