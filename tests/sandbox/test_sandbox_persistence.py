"""Host harm that Landlock does not cover, and state that could outlive one candidate.

Inode metadata (mode, owner, times, xattrs, inode flags) of host files; the pipe
descriptions every child of a lane used to share (O_NONBLOCK, a shrunk pipe, a SIGIO
owner); and a lane whose scratch root vanished under it.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time

import pytest

from forge.sandbox import Job, Limits, Sandbox, probe
from tests.sandbox.conftest import EXEC, Host

LINUX = sys.platform.startswith("linux")

METADATA_ATTACKS = """import ctypes, fcntl, os, struct
target = 'CANARY_DIR/canary.txt'
out = {}
def attempt(name, fn):
    try:
        fn()
        out[name] = 'done'
    except OSError as e:
        out[name] = e.errno
attempt('chmod', lambda: os.chmod(target, 0o4777))
attempt('chmod_dir', lambda: os.chmod('CANARY_DIR', 0o777))
attempt('chown', lambda: os.chown(target, 1234, 1234))
attempt('lchown', lambda: os.lchown(target, 1234, 1234))
attempt('utime', lambda: os.utime(target, (1, 1)))
attempt('setxattr', lambda: os.setxattr(target, b'user.forge', b'x'))
attempt('removexattr', lambda: os.removexattr(target, b'user.keep'))
fd = os.open(target, os.O_RDONLY)
attempt('fchmod', lambda: os.fchmod(fd, 0o777))
attempt('fchown', lambda: os.fchown(fd, 1234, 1234))
attempt('futime', lambda: os.utime(fd, (1, 1)))
attempt('fsetxattr', lambda: os.setxattr(fd, b'user.forge', b'x'))
attempt('chattr', lambda: fcntl.ioctl(fd, 0x40086602, struct.pack('l', 0x80)))
libc = ctypes.CDLL(None, use_errno=True)
out['fchmodat2'] = [libc.syscall(452, -100, target.encode(), 0o777, 0), ctypes.get_errno()]
result = out
"""


def _refused(value: object) -> bool:
    return value in (1, 13, 95) or value == [-1, 1]  # EPERM, EACCES, EOPNOTSUPP


def test_host_file_metadata_cannot_change(host: Host, strong: None) -> None:
    """As root without capabilities the child still owns root's files; seccomp refuses
    every chmod/chown/utime/xattr/inode-flag call, so nothing about the file changes."""
    canary = host.canary_dir / "canary.txt"
    try:
        os.setxattr(canary, b"user.keep", b"1")
    except OSError:
        pass  # a filesystem without user xattrs: the xattr attempts fail either way
    before = os.stat(canary)
    before_dir = os.stat(host.canary_dir)
    r = host.run(METADATA_ATTACKS, read_paths=(str(host.canary_dir),))
    assert r.status == "ok", r.message
    assert all(_refused(v) for v in r.value.values()), r.value
    after = os.stat(canary)
    assert (after.st_mode, after.st_uid, after.st_gid, after.st_mtime_ns) == (
        before.st_mode,
        before.st_uid,
        before.st_gid,
        before.st_mtime_ns,
    )
    assert os.stat(host.canary_dir).st_mode == before_dir.st_mode


def test_site_packages_cannot_be_locked_by_chmod_0(host: Host, strong: None) -> None:
    """``chmod 0`` on a package in site-packages would break every later run."""
    import pluggy

    path = pluggy.__file__
    before = os.stat(path).st_mode
    r = host.run(f"import os\nos.chmod({path!r}, 0)\nresult = 'locked'")
    assert r.status == "error" and r.message.startswith("PermissionError: [Errno 1]")
    assert os.stat(path).st_mode == before


def test_probe_notices_when_chmod_outside_scratch_is_allowed(tmp_path: os.PathLike) -> None:
    """The start-up probe counts seccomp only if a chmod outside scratch fails. Here (no
    filter) the same check must say it did not fail, and leave the mode as it was."""
    path = os.path.join(tmp_path, "f")
    with open(path, "w"):
        pass
    os.chmod(path, 0o640)
    assert probe._chmod_refused(path) is False
    assert os.stat(path).st_mode & 0o7777 == 0o640


def test_reading_limits_works_and_raising_them_does_not(host: Host, strong: None) -> None:
    """glibc's getrlimit is prlimit64(0, r, NULL, &old): reading is not an attack."""
    src = (
        "import resource\nsoft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "as_limit = resource.prlimit(0, resource.RLIMIT_AS)\nout = [soft, hard, as_limit[0]]\n"
        "try:\n    resource.setrlimit(resource.RLIMIT_NOFILE, (1000, 1000))\n    out.append('set')\n"
        "except (OSError, ValueError) as e:\n    out.append(str(e))\n"
        "result = out + list(resource.getrlimit(resource.RLIMIT_NOFILE))"
    )
    r = host.run(src, memory_mb=300, open_files=40)
    assert r.status == "ok", r.message
    assert r.value == [40, 40, 300 << 20, "not allowed to raise maximum limit", 40, 40]


def test_nobody_applies_when_running_as_root(sandbox: Sandbox) -> None:
    """As root with seccomp, the child drops to uid 65534 (keeping only the capability to
    read the Python install when uid 65534 could not read it otherwise)."""
    if os.geteuid() != 0 or "seccomp" not in sandbox.isolation:
        pytest.skip("needs root and seccomp")
    assert "nobody" in sandbox.isolation
    src = "import os\nresult = [os.getuid(), os.getgid(), os.getgroups()]"
    r = sandbox.run(Job(EXEC, {"source": src}))
    assert r.value == [65534, 65534, []]


POISON = """import fcntl, os
out = []
for fd in (1, 2, 3):
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
    out.append(fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 4096))
    try:
        fcntl.fcntl(fd, fcntl.F_SETOWN, SUPERVISOR_PID)
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_ASYNC)
        out.append('owner set')
    except OSError as e:
        out.append(e.errno)
result = out
"""
HONEST = "print('x' * 60000)\nresult = 'y' * (1 << 20)"


@pytest.mark.skipif(not LINUX, reason="F_SETPIPE_SZ is Linux-only")
@pytest.mark.parametrize("disable", [(), ("seccomp", "landlock")])
def test_poisoned_descriptors_do_not_reach_later_candidates(
    host: Host, disable: tuple[str, ...]
) -> None:
    """A candidate makes fds 1-3 non-blocking, shrinks the pipes and aims SIGIO at the
    supervisor; 20 correct candidates that follow on the same lane (60 KB of stdout, a
    1 MB result each) all pass, and the supervisor gets no SIGIO."""
    hits: list[int] = []
    previous = signal.signal(signal.SIGIO, lambda signum, frame: hits.append(signum))
    try:
        with Sandbox(lanes=1, spare=0, disable=disable) as sb:
            poisoned = sb.run(Job(EXEC, {"source": host.fill(POISON)}))
            assert poisoned.status == "ok", poisoned.message
            if not disable:
                assert poisoned.value[1::2] == [1, 1, 1]  # seccomp refuses F_SETOWN
            hits.clear()
            results = [sb.run(Job(EXEC, {"source": HONEST})) for _ in range(20)]
    finally:
        signal.signal(signal.SIGIO, previous)
    assert [(r.status, len(r.value or ""), len(r.stdout)) for r in results] == [
        ("ok", 1 << 20, 60001)
    ] * 20
    assert hits == []


def test_a_vanished_scratch_root_is_recreated_and_the_job_runs() -> None:
    """A /tmp cleaner removes a lane's scratch root between jobs and during one: each job
    still runs once, on a fresh lane, and gets its own verdict (never a 'crash')."""
    with Sandbox(lanes=1, spare=0) as sb:
        assert sb.run(Job(EXEC, {"source": "result = 1"})).value == 1
        lane = sb._workers[0]
        shutil.rmtree(lane.scratch_root)
        r = sb.run(Job(EXEC, {"source": "open('f', 'w').write('x')\nresult = 2"}))
        assert (r.status, r.value) == ("ok", 2)
        assert sb.stats()["restarts"] == 1
        src = "import os, time\ntime.sleep(1.0)\nresult = os.listdir('.')"
        future = sb.submit(Job(EXEC, {"source": src}, Limits(wall_s=10)))
        time.sleep(0.4)  # the child is asleep in its scratch folder now
        shutil.rmtree(sb._workers[0].scratch_root, ignore_errors=True)
        r = future.result()
        assert (r.status, r.value) == ("ok", []), r.message
        assert sb.stats()["restarts"] == 2
