"""Resource exhaustion: CPU, wall clock, memory, processes, threads, disk, fds, recursion, ints."""

from __future__ import annotations

import pytest

from forge.sandbox import Job, Limits, Sandbox
from tests.sandbox.conftest import EXEC, Host

pytestmark = pytest.mark.usefixtures("strong")


def test_cpu_loop_hits_cpu_limit(host: Host) -> None:
    r = host.run("while True: pass", cpu_s=1, wall_s=20)
    assert (r.status, r.message) == ("timeout", "CPU time limit exceeded (1.0s)")


def test_cpu_loop_ignoring_sigxcpu_is_killed_by_hard_limit(host: Host) -> None:
    src = "import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True: pass"
    r = host.run(src, cpu_s=1, wall_s=20)
    assert (r.status, r.message) == ("timeout", "CPU time limit exceeded (1.0s)")
    assert 1.0 <= r.duration_s < 20


def test_sleep_hits_wall_clock(host: Host) -> None:
    r = host.run("import time\ntime.sleep(60)", wall_s=0.5)
    assert (r.status, r.message) == ("timeout", "timed out after 0.5s")
    assert r.duration_s < 3


def test_wall_clock_kill_cannot_be_blocked(host: Host) -> None:
    src = (
        "import signal, time\nfor s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):\n"
        "    signal.signal(s, signal.SIG_IGN)\n"
        "signal.pthread_sigmask(signal.SIG_BLOCK, set(signal.Signals))\ntime.sleep(60)"
    )
    r = host.run(src, wall_s=0.5)
    assert (r.status, r.message) == ("timeout", "timed out after 0.5s")


@pytest.mark.parametrize(
    "source",
    [
        "x = b'x' * (50 << 30)",
        "x = [0] * (10 ** 10)",
        "x = []\nwhile True:\n    x.append(bytearray(10 << 20))",
    ],
)
def test_memory_bombs_hit_memory_limit(host: Host, source: str) -> None:
    r = host.run(source, memory_mb=256)
    assert (r.status, r.message) == ("memory", "memory limit exceeded (256 MB)")


def test_fork_is_refused(host: Host) -> None:
    r = host.run("import os\nresult = os.fork()")
    assert (r.status, r.message) == ("error", "PermissionError: [Errno 1] Operation not permitted")


def test_fork_bomb_is_refused(host: Host) -> None:
    src = "import os\nn = 0\nwhile True:\n    os.fork()\n    n += 1"
    r = host.run(src)
    assert (r.status, r.message) == ("error", "PermissionError: [Errno 1] Operation not permitted")


def test_raw_fork_syscalls_are_refused(host: Host) -> None:
    src = (
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "result = [libc.fork(), libc.syscall(57), libc.syscall(58), libc.syscall(56, 17, 0),"
        " libc.syscall(435, 0, 0), ctypes.get_errno()]"
    )
    r = host.run(src)
    assert r.status == "ok"
    assert r.value == [-1, -1, -1, -1, -1, 38]  # clone3 answers ENOSYS, the rest EPERM


def test_multiprocessing_is_refused(host: Host) -> None:
    src = (
        "import multiprocessing as mp\np = mp.get_context('fork').Process(target=print)\np.start()"
    )
    r = host.run(src)
    assert (r.status, r.message) == ("error", "PermissionError: [Errno 1] Operation not permitted")


def test_thread_bomb_is_bounded(host: Host) -> None:
    src = (
        "import threading, time\nts = []\nwhile True:\n"
        "    t = threading.Thread(target=time.sleep, args=(30,), daemon=True)\n"
        "    t.start()\n    ts.append(t)"
    )
    r = host.run(src, memory_mb=512, wall_s=10)
    assert (r.status, r.message) == ("error", "RuntimeError: can't start new thread")


def test_threads_still_work(host: Host) -> None:
    src = (
        "import threading\nout = []\nts = [threading.Thread(target=out.append, args=(i,))"
        " for i in range(8)]\n[t.start() for t in ts]\n[t.join() for t in ts]\n"
        "result = sorted(out)"
    )
    assert host.run(src).value == list(range(8))


def test_big_file_hits_file_size_limit(host: Host) -> None:
    r = host.run("open('big', 'wb').write(b'x' * (64 << 20))", file_bytes=1 << 20)
    assert (r.status, r.message) == ("error", "OSError: [Errno 27] File too large")


def test_big_file_with_sigxfsz_default_is_output_limit(host: Host) -> None:
    src = (
        "import signal\nsignal.signal(signal.SIGXFSZ, signal.SIG_DFL)\n"
        "open('big', 'wb').write(b'x' * (4 << 20))"
    )
    r = host.run(src, file_bytes=1 << 20)
    assert (r.status, r.message) == ("output_limit", "file size limit exceeded (1048576 bytes)")


def test_many_files_fill_only_the_scratch_tmpfs(host: Host) -> None:
    if "tmpfs" not in host.sandbox.isolation:
        pytest.skip("no private tmpfs scratch on this host (recorded in isolation)")
    src = "i = 0\nwhile True:\n    open(f'f{i}', 'wb').write(b'x' * (15 << 20))\n    i += 1"
    r = host.run(src)
    assert (r.status, r.message) == ("error", "OSError: [Errno 28] No space left on device")


def test_scratch_is_fresh_for_every_job(host: Host) -> None:
    first = host.run("open('left-behind', 'w').write('x')\nimport os\nresult = os.getcwd()")
    second = host.run("import os\nresult = (os.getcwd(), os.listdir('.'))")
    assert first.status == second.status == "ok"
    assert second.value[0] != first.value and second.value[1] == []


def test_fd_exhaustion_hits_open_files_limit(host: Host) -> None:
    r = host.run("fs = []\nwhile True:\n    fs.append(open('/dev/null'))", open_files=32)
    assert (r.status, r.message) == (
        "error",
        "OSError: [Errno 24] Too many open files: '/dev/null'",
    )


def test_plain_recursion_is_a_per_case_error(host: Host) -> None:
    r = host.call("def f(n):\n    return f(n + 1)\n", "f", [[0]])
    assert r.status == "ok"
    assert r.value[0]["ok"] is False
    assert r.value[0]["error"].startswith("RecursionError: maximum recursion depth exceeded")
    assert r.value[0]["line"] == 2


def test_unbounded_recursion_with_raised_limit_is_stopped(host: Host) -> None:
    src = "import sys\nsys.setrecursionlimit(10 ** 8)\ndef f(n):\n    return f(n + 1)\nf(0)"
    r = host.run(src, cpu_s=1, wall_s=20, memory_mb=256)
    assert r.status in ("memory", "timeout", "crash")
    assert r.message in (
        "memory limit exceeded (256 MB)",
        "CPU time limit exceeded (1.0s)",
        "killed by signal SIGSEGV",
    )


@pytest.mark.parametrize("source", ["result = 10 ** (10 ** 10)", "result = 7 ** (2 ** 40)"])
def test_huge_int_arithmetic_is_stopped(host: Host, source: str) -> None:
    r = host.run(source, cpu_s=1, wall_s=20, memory_mb=256)
    assert (r.status, r.message) in (
        ("timeout", "CPU time limit exceeded (1.0s)"),
        ("memory", "memory limit exceeded (256 MB)"),
    )


def test_huge_int_result_is_rejected(host: Host) -> None:
    r = host.run("result = 1 << 100000")
    assert (r.status, r.message) == ("rejected", "int with more than 32768 bits")


def test_huge_int_to_str_is_a_value_error(host: Host) -> None:
    r = host.run("result = str(10 ** 5000)")
    assert r.status == "error" and r.message.startswith("ValueError: Exceeds the limit (4300")


def test_hostile_leftovers_do_not_accumulate_in_scratch() -> None:

    nasty = (
        "import os\nos.makedirs('a/b/c')\nopen('a/b/c/f', 'w').write('x')\n"
        "os.chmod('a/b/c', 0)\nos.chmod('a/b', 0)\nos.chmod('a', 0)\n"
        "open('ro', 'w').close()\nos.chmod('ro', 0)\nos.chmod('.', 0o500)"
    )
    with Sandbox(lanes=1, disable=("seccomp",)) as sb:  # seccomp would refuse the chmods
        assert sb.run(Job(EXEC, {"source": nasty})).status == "ok"
        r = sb.run(Job(EXEC, {"source": "import os\nresult = os.listdir('..')"}))
    assert r.status == "ok" and len(r.value) == 1 and r.value[0].startswith("job-")


def test_rss_watchdog_stands_in_for_rlimit_as() -> None:
    """Where RLIMIT_AS is not honoured (macOS) the lane watches resident memory instead."""
    src = "x = []\nwhile True:\n    x.append(bytearray(8 << 20))"
    with Sandbox(lanes=1, disable=("rlimit_as",)) as sb:
        assert "rss_watchdog" in sb.isolation and "rlimit_as" not in sb.isolation
        r = sb.run(Job(EXEC, {"source": src}, Limits(memory_mb=256, wall_s=20)))
    assert (r.status, r.message) == ("memory", "memory limit exceeded (256 MB)")
