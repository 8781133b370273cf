"""The program profile: a job may execute the programs it declared and nothing else.

The declared program here is ``/bin/sh``, the worst case for a simulator's helper: a shell
that could start anything. Every attack runs through the host guard (canaries, a listener,
no stray processes, the supervisor still answering).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from forge.errors import SandboxError
from forge.sandbox import Job, Limits, Sandbox
from forge.sandbox.profile import elf_interpreter, resolve
from tests.sandbox import procs
from tests.sandbox.conftest import EXEC, Host, require

SH = os.path.realpath("/bin/sh")
EACCES = "PermissionError: [Errno 13] Permission denied"


@pytest.fixture
def shell_host(host: Host) -> Iterator[Host]:
    """The host guard, with jobs under the program profile for /bin/sh (8 processes)."""
    require(host.sandbox, "seccomp", "landlock")
    view = host.sandbox.with_programs(["/bin/sh"], processes=8)
    yield Host(host.canary_dir, host.marker, host.port, host.listener, view)  # type: ignore[arg-type]


def sh(command: str) -> str:
    """Source that runs ``command`` with the declared shell and returns (code, out, err)."""
    return (
        "import subprocess\n"
        f"p = subprocess.run(['/bin/sh', '-c', {command!r}], capture_output=True, text=True)\n"
        "result = [p.returncode, p.stdout, p.stderr]\n"
    )


def test_a_declared_program_runs_and_the_result_says_so(shell_host: Host) -> None:
    r = shell_host.run(sh("echo hello from sh"))
    assert (r.status, r.value) == ("ok", [0, "hello from sh\n", ""])
    assert {"programs", "nproc", "seccomp", "landlock"} <= set(r.isolation)
    if os.geteuid() == 0:
        assert "lane_uid" in r.isolation and "nobody" not in r.isolation


def test_exec_of_anything_not_declared_is_refused(shell_host: Host) -> None:
    for path in ("/bin/ls", "/usr/bin/env", sys.executable):
        r = shell_host.run(f"import os\nos.execv({path!r}, ['x'])")
        assert (r.status, r.message) == ("error", EACCES), path


def test_the_declared_shell_cannot_exec_anything_else(shell_host: Host) -> None:
    r = shell_host.run(sh("/bin/ls /; echo ls=$?; touch MARKER; echo touch=$?; exec /bin/cat"))
    assert r.status == "ok"
    code, out, err = r.value
    assert "ls=126" in out and "touch=126" in out  # 126: found but not executable
    assert "/bin/ls: Permission denied" in err
    assert code != 0  # exec /bin/cat refused


def test_writes_outside_scratch_are_refused_through_the_program(shell_host: Host) -> None:
    command = "echo x > MARKER; echo x > CANARY_DIR/canary.txt; echo ok > here.txt; read v < here.txt; echo $v"
    r = shell_host.run(sh(command))
    assert r.status == "ok"
    code, out, err = r.value
    assert out == "ok\n"  # scratch is writable
    assert err.count("cannot create") == 2 and err.count("Permission denied") == 2


def test_a_fork_bomb_is_capped_at_the_declared_processes(shell_host: Host) -> None:
    source = (
        "import os, time\nn = 0\n"
        "try:\n    while True:\n        if os.fork() == 0:\n            time.sleep(30)\n            os._exit(0)\n        n += 1\n"
        "except OSError as exc:\n    result = [n, exc.errno]\n"
    )
    r = shell_host.run(source)
    assert r.status == "ok"
    forked, err = r.value
    assert err == 11 and forked <= 8  # EAGAIN: RLIMIT_NPROC, the child itself counting


def test_a_fork_bomb_through_the_shell_ends_and_leaves_nothing(shell_host: Host) -> None:
    before = set(procs.descendants())
    r = shell_host.run(sh(":(){ :|:& };: ; sleep 1"), wall_s=3.0, cpu_s=3.0)
    assert r.status in ("ok", "timeout")
    assert procs.strays(ignore=before) == []  # the host guard checks it again


def test_the_network_stays_closed(shell_host: Host) -> None:
    r = shell_host.run(
        "import socket\ns = socket.create_connection(('127.0.0.1', PORT), timeout=1)"
    )
    assert r.status == "error" and "Operation not permitted" in r.message


def test_new_namespaces_and_signals_to_the_supervisor_are_refused(shell_host: Host) -> None:
    r = shell_host.run(
        "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "r = libc.syscall(56, 0x10000000 | 17, 0, 0, 0, 0)\n"  # clone(CLONE_NEWUSER | SIGCHLD)
        "e = ctypes.get_errno()\n"
        "try:\n    os.kill(SUPERVISOR_PID, 9)\n    k = 'sent'\nexcept OSError as exc:\n    k = exc.errno\n"
        "result = [r, e, k]\n"
    )
    if os.uname().machine != "x86_64":
        pytest.skip("the raw clone number above is x86-64's")
    assert (r.status, r.value) == ("ok", [-1, 1, 1])  # EPERM, EPERM


@pytest.mark.skipif(
    os.geteuid() != 0, reason="lane uids are for root (a user's lanes use their own uid)"
)
def test_as_root_the_job_runs_under_a_uid_of_its_lane(shell_host: Host) -> None:
    r = shell_host.run("import os\nresult = [os.getuid(), os.getgid(), os.getgroups()]")
    uid, gid, groups = r.value
    assert uid >= 0x70000000 and gid == uid and groups == []
    lane_pids = shell_host.sandbox.sandbox.stats()["pids"]  # type: ignore[attr-defined]
    assert uid - 0x70000000 in lane_pids


def test_the_default_profile_never_executes(sandbox: Sandbox) -> None:
    """Without the program profile exec stays refused, and Landlock alone (seccomp off)
    refuses it too: read rules no longer carry the right to execute."""
    require(sandbox, "seccomp", "landlock")
    r = sandbox.run(Job(EXEC, {"source": "import os\nos.execv('/bin/sh', ['sh'])"}))
    assert r.status == "error" and "Operation not permitted" in r.message
    with Sandbox(lanes=1, spare=0, disable=("seccomp", "nproc")) as plain:
        r = plain.run(Job(EXEC, {"source": "import os\nos.execv('/bin/sh', ['sh', '-c', 'true'])"}))
    assert (r.status, r.message) == ("error", EACCES)


def test_resolving_a_profile_finds_loaders_and_refuses_non_programs(tmp_path) -> None:
    profile = resolve((SH,))
    assert profile.executables == (SH,)
    if elf_interpreter(SH):
        assert profile.loaders == (os.path.realpath(elf_interpreter(SH)),)
    script = tmp_path / "tool"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o755)
    assert resolve((str(script),)).executables == (str(script), SH)  # its interpreter too
    plain = tmp_path / "data.txt"
    plain.write_text("not a program")
    for bad in ("sh", str(tmp_path / "missing"), str(plain)):
        with pytest.raises(SandboxError, match="is not an executable file"):
            resolve((bad,))
    with pytest.raises(SandboxError, match="processes must be an int"):
        resolve((SH,), 0)


def test_a_view_shares_the_lanes(sandbox: Sandbox) -> None:
    view = sandbox.with_programs(["/bin/sh"])
    assert view.lanes == sandbox.lanes and view.sandbox is sandbox
    pids = set(sandbox.stats()["pids"])
    r = view.run(Job(EXEC, {"source": "import os\nresult = os.getppid()"}, Limits()))
    assert r.value in pids


def test_a_runner_can_stop_its_own_subprocess_on_a_timeout(shell_host: Host) -> None:
    """subprocess.run(timeout=...) kills the program by pid; where the profile lets it
    (a lane uid as root, or Landlock's signal scope), that works and the job goes on."""
    from forge.sandbox import landlock

    if os.geteuid() != 0 and landlock.abi_version() < 6:
        pytest.skip("signals by pid need Landlock ABI 6 here (as an ordinary user)")
    source = (
        "import subprocess\ntry:\n"
        "    subprocess.run(['/bin/sh', '-c', 'while :; do :; done'], timeout=0.3)\n"
        "except subprocess.TimeoutExpired:\n    result = 'stopped'\n"
    )
    r = shell_host.run(source, wall_s=5.0, cpu_s=5.0)
    assert (r.status, r.value) == ("ok", "stopped")


class _ShellDomain:
    """Just enough of a domain for forge.verifiers: it declares /bin/sh and runs it."""

    name = "shell-test"
    executables = ("sh",)

    def verify(self, task, artifact, sandbox):
        from forge.types import Verdict

        r = sandbox.run(Job(EXEC, {"source": sh(artifact)}))
        return Verdict(
            "passed" if r.ok and r.value[1] == "yes\n" else "failed", isolation=r.isolation
        )


def test_forge_hands_a_declaring_domain_the_profiled_view_and_stamps_verdicts(
    sandbox: Sandbox,
) -> None:
    from forge.types import Task
    from forge.verifiers import sandbox_for, verify_all

    require(sandbox, "seccomp", "landlock")
    domain, task = _ShellDomain(), Task("t", "shell-test", "say yes")
    view = sandbox_for(domain, sandbox)
    assert view.sandbox is sandbox and sandbox_for(domain, view) is view  # found once, reused
    verdicts = verify_all(domain, [(task, "echo yes"), (task, "echo no")], sandbox)
    assert [v.status for v in verdicts] == ["passed", "failed"]
    assert all(v.extra["programs"] == [os.path.basename(SH)] for v in verdicts)
    assert all("programs" in v.isolation for v in verdicts)
