"""The service itself: the API, lane replacement, exactly-once verdicts, flat resources,
recorded isolation, and containment when the strongest layers are switched off."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from forge.errors import SandboxError
from forge.sandbox import Job, JobResult, Limits, Sandbox, get_sandbox
from tests.sandbox import procs
from tests.sandbox.conftest import CALL, EXEC, Host

ECHO = "forge.sandbox.runners:echo"


def test_run_many_preserves_order_and_uses_every_lane(sandbox: Sandbox) -> None:
    jobs = [Job(EXEC, {"source": f"import os\nresult = ({i}, os.getppid())"}) for i in range(40)]
    results = sandbox.run_many(jobs)
    assert [r.value[0] for r in results] == list(range(40))
    used = {r.value[1] for r in results}
    assert used <= set(sandbox.stats()["pids"]) and len(used) >= sandbox.lanes


def test_submit_and_as_completed(sandbox: Sandbox) -> None:
    future = sandbox.submit(Job(ECHO, {"x": 1}))
    assert future.result(timeout=10).value == {"x": 1}
    jobs = [
        Job(EXEC, {"source": "import time\ntime.sleep(1.5)\nresult = 'slow'"}),
        Job(ECHO, "fast"),
    ]
    order = [(i, r.value) for i, r in sandbox.as_completed(jobs)]
    assert order == [(1, "fast"), (0, "slow")]


def test_submit_is_thread_safe(sandbox: Sandbox) -> None:
    results: dict[int, JobResult] = {}

    def worker(base: int) -> None:
        for i in range(base, base + 25):
            results[i] = sandbox.run(Job(ECHO, i))

    threads = [threading.Thread(target=worker, args=(k * 25,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {i: r.value for i, r in results.items()} == {i: i for i in range(100)}


def test_call_function_reference_runner(sandbox: Sandbox) -> None:
    src = "def div(a, b):\n    return a / b\n"
    r = sandbox.run(Job(CALL, {"source": src, "entry_point": "div", "args_list": [[1, 2], [1, 0]]}))
    assert r.value == [
        {"ok": True, "value": 0.5},
        {"ok": False, "error": "ZeroDivisionError: division by zero", "line": 2},
    ]
    missing = sandbox.run(Job(CALL, {"source": "x = 1", "entry_point": "f", "args_list": []}))
    assert (missing.status, missing.message) == (
        "error",
        "NameError: name 'f' is not defined as a function",
    )
    bad = sandbox.run(Job(CALL, {"source": "def f(:\n", "entry_point": "f", "args_list": []}))
    assert bad.status == "error" and bad.message.startswith("SyntaxError:")


def test_unknown_runner_is_an_error_result(sandbox: Sandbox) -> None:
    r = sandbox.run(Job("forge_no_such_module:run", None))
    assert (r.status, r.message) == (
        "error",
        "runner 'forge_no_such_module:run' could not be "
        "loaded: ModuleNotFoundError: No module named "
        "'forge_no_such_module'",
    )


def test_programmer_errors_raise(sandbox: Sandbox) -> None:
    with pytest.raises(SandboxError, match="not a Job with a 'module:function' runner"):
        sandbox.submit(Job("no_colon", None))
    with pytest.raises(SandboxError, match="job payload is not plain data: value of type"):
        sandbox.submit(Job(ECHO, {"f": print}))


def test_closed_sandbox_refuses_work_and_cleans_up() -> None:
    sb = Sandbox(lanes=1)
    roots = [w.scratch_root for w in sb._workers]
    assert all(os.path.isdir(r) for r in roots)
    sb.close()
    sb.close()
    assert not any(os.path.exists(r) for r in roots)
    with pytest.raises(SandboxError, match="the sandbox is closed"):
        sb.submit(Job(ECHO, 1))


def test_sandbox_default_limits_apply(sandbox: Sandbox) -> None:
    with Sandbox(lanes=1, limits=Limits(wall_s=0.3)) as sb:
        r = sb.run(Job(EXEC, {"source": "import time\ntime.sleep(5)"}))
    assert (r.status, r.message) == ("timeout", "timed out after 0.3s")


def test_isolation_is_recorded_per_result(sandbox: Sandbox) -> None:
    r = sandbox.run(Job(ECHO, 1))
    assert r.isolation == sandbox.isolation
    assert {"fork", "session", "env", "scratch", "rlimits"} <= set(r.isolation)
    if os.uname().sysname == "Linux" and os.geteuid() == 0:
        assert {"seccomp", "landlock", "netns"} <= set(r.isolation)


def test_disabled_layers_are_not_claimed() -> None:
    with Sandbox(lanes=1, disable=("seccomp", "landlock", "netns", "tmpfs")) as sb:
        r = sb.run(Job(ECHO, 1))
    assert not {"seccomp", "landlock", "netns", "tmpfs"} & set(r.isolation)
    assert r.isolation == sb.isolation


def test_unknown_layer_names_are_refused_in_one_line(monkeypatch) -> None:
    from forge.errors import UnknownNameError
    from forge.sandbox.supervisor import LAYERS

    with pytest.raises(UnknownNameError) as err:
        Sandbox(lanes=1, disable=("seccomp", "bogus"))
    assert err.value.one_line() == (
        f"Unknown sandbox layer 'bogus'. Sandbox(disable=...) takes: {', '.join(sorted(LAYERS))}"
    )
    monkeypatch.setenv("FORGE_SANDBOX_DISABLE", "landlock,seccmp")
    with pytest.raises(UnknownNameError) as err:
        Sandbox(lanes=1)
    assert err.value.one_line().startswith(
        "Unknown sandbox layer 'seccmp'. Did you mean 'seccomp'? FORGE_SANDBOX_DISABLE takes: "
    )


def test_one_layer_name_as_a_string_is_one_name() -> None:
    with Sandbox(lanes=1, spare=0, disable="tmpfs") as sb:  # type: ignore[arg-type]
        assert sb.disabled == ("tmpfs",) and "tmpfs" not in sb.isolation


def test_get_sandbox_is_shared() -> None:
    assert get_sandbox() is get_sandbox()
    assert get_sandbox().run(Job(ECHO, "hi")).value == "hi"


def test_dead_lane_is_replaced_and_its_job_gets_one_verdict(host: Host) -> None:
    sb = host.sandbox
    before, fds = sb.stats(), procs.open_fds()
    future = sb.submit(Job(EXEC, {"source": "import time\ntime.sleep(3)"}, Limits(wall_s=10)))
    lane = None
    for _ in range(100):  # wait until the job's child exists (slow on a loaded machine)
        lane = next((pid for pid in before["pids"] if procs.descendants(pid)), None)
        if lane:
            break
        time.sleep(0.05)
    assert lane is not None
    os.kill(lane, signal.SIGKILL)
    r = future.result(timeout=10)
    assert (r.status, r.message) == ("crash", "sandbox lane died while running the job")
    after = sb.stats()
    assert after["restarts"] == before["restarts"] + 1 and lane not in after["pids"]
    assert sb.run(Job(ECHO, 7)).value == 7
    assert procs.open_fds() == fds  # the dead lane's pipes were all closed


def test_verdicts_are_exactly_once_under_lane_kills(host: Host) -> None:
    sb = host.sandbox
    jobs = [
        Job(EXEC, {"source": f"import time\ntime.sleep(0.02)\nresult = {i}"}) for i in range(120)
    ]

    def killer() -> None:
        for _ in range(3):
            time.sleep(0.3)
            pids = sb.stats()["pids"]
            if pids:
                os.kill(pids[0], signal.SIGKILL)

    t = threading.Thread(target=killer)
    t.start()
    results = sb.run_many(jobs)
    t.join()
    assert len(results) == 120
    for i, r in enumerate(results):
        assert (r.status, r.value) in (("ok", i), ("crash", None))
    assert sum(r.status == "ok" for r in results) >= 110


def test_supervisor_resources_stay_flat(sandbox: Sandbox) -> None:
    jobs = [
        Job(
            CALL,
            {
                "source": "def f(x):\n    print(x)\n    return x * 2\n",
                "entry_point": "f",
                "args_list": [[i]],
            },
        )
        for i in range(300)
    ]
    sandbox.run_many(jobs)
    fds, rss, threads = procs.open_fds(), procs.rss_kb(), threading.active_count()
    kids = len(procs.descendants())
    for _ in range(4):
        results = sandbox.run_many(jobs)
        assert [r.value for r in results] == [[{"ok": True, "value": i * 2}] for i in range(300)]
    assert procs.open_fds() == fds
    assert threading.active_count() == threads
    assert len(procs.descendants()) == kids
    assert procs.rss_kb() - rss < 8 * 1024


FORK_ESCAPE = """import os, time
pid = os.fork()
if pid == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(60)
    os._exit(0)
os.waitpid(pid, 0)
result = 'forked'
"""


def test_without_seccomp_escaped_processes_are_still_killed(host: Host) -> None:
    """Fallback: fork works, but the lane (a subreaper) kills every descendant at verdict.

    ``nproc`` is disabled too: as non-root, RLIMIT_NPROC alone already stops the fork, and
    this test is about what happens when nothing stops it.
    """
    with Sandbox(lanes=1, disable=("seccomp", "nproc")) as sb:
        assert "subreaper" in sb.isolation and "seccomp" not in sb.isolation
        r = sb.run(Job(EXEC, {"source": FORK_ESCAPE}))
        assert (r.status, r.value) == ("ok", "forked")
        assert (
            procs.strays(
                ignore=set(procs.descendants()) - set(procs.descendants(sb.stats()["pids"][0]))
            )
            == []
        )
        assert procs.descendants(sb.stats()["pids"][0]) == {}


def test_without_seccomp_a_timed_out_fork_tree_is_killed(host: Host) -> None:
    src = "import os\nfor _ in range(4):\n    os.fork()\nwhile True:\n    pass"
    with Sandbox(lanes=1, disable=("seccomp", "nproc")) as sb:
        r = sb.run(Job(EXEC, {"source": src}, Limits(wall_s=0.5)))
        assert (r.status, r.message) == ("timeout", "timed out after 0.5s")
        assert procs.descendants(sb.stats()["pids"][0]) == {}


def _memory_of(pid: int) -> bytes:
    """Return the readable writable memory of process ``pid`` (Linux, as root)."""
    chunks = []
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb") as mem:
        for line in maps:
            addr, perms = line.split()[:2]
            if not perms.startswith("rw"):
                continue
            lo, hi = (int(x, 16) for x in addr.split("-"))
            try:
                mem.seek(lo)
                chunks.append(mem.read(hi - lo))
            except (OSError, ValueError, OverflowError):
                continue
    return b"".join(chunks)


@pytest.mark.skipif(
    not os.path.exists("/proc/self/mem") or os.geteuid() != 0,
    reason="reads another process's memory through /proc (Linux, root)",
)
def test_results_never_pass_through_a_lane() -> None:
    """Frames and output go from the child straight to the supervisor, so a lane cannot leak
    an earlier job's outputs (say, a reference solution's) to a later candidate it forks."""
    with Sandbox(lanes=1) as sb:
        made = "result = ''.join(['REFOUT', '-5e1d9']) * 3\nprint(''.join(['PRINTED', '-0b3f']))"
        r = sb.run(Job(EXEC, {"source": made}))
        assert (r.value, r.stdout) == ("REFOUT-5e1d9" * 3, "PRINTED-0b3f\n")
        lane = sb.stats()["pids"][0]
        assert b"REFOUT-5e1d9" not in _memory_of(lane)
        assert b"PRINTED-0b3f" not in _memory_of(lane)
        assert b"REFOUT', '-5e1d9" in _memory_of(lane)  # the input did pass (control)


def test_describe_isolation_names_the_layers(sandbox: Sandbox) -> None:
    from forge.sandbox import describe_isolation

    assert describe_isolation() == ", ".join(sandbox.isolation)


def test_public_names_import() -> None:
    import forge.sandbox as sb

    assert {n for n in sb.__all__ if getattr(sb, n) is None} == set()
    with pytest.raises(AttributeError):
        sb.no_such_name  # noqa: B018


def _fake_sandbox_exec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> Path:
    """Pretend to be macOS with a ``sandbox-exec`` that runs ``body`` (shell)."""
    from forge.sandbox import macos

    tool = tmp_path / "sandbox-exec"
    tool.write_text(f"#!/bin/sh\n{body}\n")
    tool.chmod(0o755)
    monkeypatch.setattr(macos, "sys", SimpleNamespace(platform="darwin"))
    monkeypatch.setattr(macos.shutil, "which", lambda name: str(tool))
    return tool


def test_lanes_start_under_sandbox_exec_where_it_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "profile.sb"
    _fake_sandbox_exec(tmp_path, monkeypatch, f'printf "%s" "$2" >> {log}\nshift 2\nexec "$@"')
    with Sandbox(lanes=1) as sb:
        assert "sandbox_exec" in sb.isolation
        assert sb.run(Job(ECHO, 5)).value == 5
        roots = [os.path.realpath(w.scratch_root) for w in sb._workers]
    profiles = log.read_text()
    assert "(deny network*)" in profiles
    assert all(f'(subpath "{root}")' in profiles for root in roots)
    assert "(deny process-exec*)" in profiles  # only Python itself, and declared programs


def test_declared_programs_restart_macos_lanes_with_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "profile.sb"
    _fake_sandbox_exec(tmp_path, monkeypatch, f'printf "%s" "$2" >> {log}\nshift 2\nexec "$@"')
    monkeypatch.setattr("forge.sandbox.supervisor.sys", SimpleNamespace(platform="darwin"))
    with Sandbox(lanes=1, spare=0) as sb:
        assert '(literal "/usr/bin/true")' not in log.read_text()
        view = sb.with_programs(["/bin/sh"])
        assert view.run(Job(ECHO, 7)).value == 7  # the lane restarted first
    assert f'(literal "{os.path.realpath("/bin/sh")}")' in log.read_text()


def test_a_failing_sandbox_exec_is_dropped_not_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_sandbox_exec(tmp_path, monkeypatch, "exit 1")
    with Sandbox(lanes=1) as sb:
        assert "sandbox_exec" not in sb.isolation
        r = sb.run(Job(ECHO, 6))
    assert r.value == 6 and "sandbox_exec" not in r.isolation


@pytest.mark.parametrize(
    "limits",
    [
        Limits(wall_s=0),
        Limits(memory_mb=8),
        Limits(cpu_s=-1),
        Limits(open_files=2),
        Limits(read_paths="/etc"),
    ],
)
def test_unusable_limits_raise(sandbox: Sandbox, limits: Limits) -> None:
    with pytest.raises(SandboxError):
        sandbox.submit(Job(ECHO, 1, limits))


def test_stuck_candidates_do_not_stall_quick_ones() -> None:
    """A job past LONG_JOB_S frees its slot: a spare lane keeps the quick work moving."""
    sleeper = Job(
        EXEC, {"source": "import time\ntime.sleep(3)\nresult = 'slept'"}, Limits(wall_s=10)
    )
    quick = [Job(ECHO, i) for i in range(30)]
    with Sandbox(lanes=1, spare=1) as sb:
        assert len(sb.stats()["pids"]) == 2
        start = time.monotonic()
        sleeping = sb.submit(sleeper)
        time.sleep(0.3)
        assert [r.value for r in sb.run_many(quick)] == list(range(30))
        assert time.monotonic() - start < 2.5 and not sleeping.done()
        assert sleeping.result(timeout=10).value == "slept"


def test_without_spares_a_stuck_candidate_holds_its_lane() -> None:
    with Sandbox(lanes=1, spare=0) as sb:
        sleeping = sb.submit(Job(EXEC, {"source": "import time\ntime.sleep(1)"}))
        time.sleep(0.2)
        assert sb.run(Job(ECHO, 1)).value == 1
        assert sleeping.done()


def test_close_cancels_queued_jobs_and_finishes_running_ones() -> None:
    from concurrent.futures import CancelledError

    sb = Sandbox(lanes=1, spare=0)
    running = sb.submit(Job(EXEC, {"source": "import time\ntime.sleep(0.5)\nresult = 1"}))
    time.sleep(0.2)
    queued = [sb.submit(Job(ECHO, i)) for i in range(50)]
    start = time.monotonic()
    sb.close()
    assert time.monotonic() - start < 3
    assert running.result().value == 1
    assert all(f.cancelled() for f in queued)
    with pytest.raises(CancelledError):
        queued[0].result()
