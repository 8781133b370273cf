"""Escape attempts: shells, subprocesses, ctypes, deleting host files, network, signals,
secrets in the environment, and reading other processes' memory."""

from __future__ import annotations

import errno
import os

import pytest

from forge.sandbox import Job, Limits, Sandbox
from tests.sandbox.conftest import EXEC, SECRET, Host

pytestmark = pytest.mark.usefixtures("strong")

EPERM = "PermissionError: [Errno 1] Operation not permitted"


def test_os_system_cannot_run_a_shell(host: Host) -> None:
    r = host.run("import os\nresult = os.system('touch MARKER; rm -rf CANARY_DIR')")
    assert r.status == "ok" and r.value != 0


def test_subprocess_cannot_start(host: Host) -> None:
    r = host.run("import subprocess\nsubprocess.run(['sh', '-c', 'touch MARKER'])")
    assert (r.status, r.message) == ("error", EPERM)


def test_exec_is_refused(host: Host) -> None:
    r = host.run("import os\nos.execv('/bin/sh', ['sh', '-c', 'touch MARKER'])")
    assert (r.status, r.message) == ("error", EPERM)


def test_ctypes_system_cannot_run_a_shell(host: Host) -> None:
    r = host.run("import ctypes\nresult = ctypes.CDLL(None).system(b'touch MARKER')")
    assert r.status == "ok" and r.value != 0


def test_cannot_delete_files_outside_scratch(host: Host) -> None:
    r = host.run("import os\nos.remove('CANARY_DIR/canary.txt')")
    assert (r.status, r.message) == (
        "error",
        f"PermissionError: [Errno 13] Permission denied: '{host.canary_dir}/canary.txt'",
    )


def test_cannot_rmtree_outside_scratch(host: Host) -> None:
    r = host.run("import shutil\nshutil.rmtree('CANARY_DIR')")
    assert r.status == "error" and r.message.startswith("PermissionError")


def test_cannot_overwrite_or_create_files_outside_scratch(host: Host) -> None:
    src = (
        "out = []\nfor path in ('CANARY_DIR/canary.txt', 'MARKER', 'MARKER-x'):\n"
        "    try:\n        open(path, 'w').write('pwned')\n        out.append('wrote')\n"
        "    except OSError as e:\n        out.append(type(e).__name__)\nresult = out"
    )
    r = host.run(src)
    assert r.value == ["PermissionError", "PermissionError", "PermissionError"]


def test_cannot_rename_or_link_into_the_host(host: Host) -> None:
    src = (
        "import os\nopen('x', 'w').write('pwned')\nout = []\n"
        "for fn, dst in ((os.rename, 'MARKER'), (os.link, 'MARKER'), (os.symlink, 'MARKER')):\n"
        "    try:\n        fn('x', dst)\n        out.append('done')\n"
        "    except OSError as e:\n        out.append(type(e).__name__)\nresult = out"
    )
    r = host.run(src)
    assert r.status == "ok" and "done" not in r.value


def test_cannot_connect_to_a_local_listener(host: Host) -> None:
    r = host.run("import socket\nsocket.create_connection(('127.0.0.1', PORT), timeout=1)")
    assert (r.status, r.message) == ("error", EPERM)


def test_cannot_reach_the_network_by_any_socket(host: Host) -> None:
    src = (
        "import socket\nout = []\nfor fam, kind in ((socket.AF_INET, socket.SOCK_DGRAM),"
        " (socket.AF_INET6, socket.SOCK_STREAM), (socket.AF_UNIX, socket.SOCK_STREAM),"
        " (socket.AF_PACKET, socket.SOCK_RAW)):\n    try:\n        socket.socket(fam, kind)\n"
        "        out.append('open')\n    except OSError as e:\n        out.append(e.errno)\n"
        "result = out"
    )
    r = host.run(src)
    assert r.value == [1, 1, 1, 1]


def test_network_namespace_alone_blocks_the_listener(host: Host) -> None:
    """With seccomp and Landlock off, the empty network namespace still keeps us off the host."""
    if "netns" not in host.sandbox.isolation:
        pytest.skip("no network namespace on this host (recorded in isolation)")
    src = (
        "import socket\nnames = [n for _, n in socket.if_nameindex()]\ntry:\n"
        "    socket.create_connection(('127.0.0.1', PORT), timeout=1)\n    err = None\n"
        "except OSError as e:\n    err = e.errno\nresult = [names, err]"
    )
    with Sandbox(lanes=1, disable=("seccomp", "landlock")) as sb:
        assert "netns" in sb.isolation and "seccomp" not in sb.isolation
        r = sb.run(Job(EXEC, {"source": host.fill(src)}))
    assert r.value == [["lo"], errno.ENETUNREACH]
    assert "seccomp" not in r.isolation and "landlock" not in r.isolation


@pytest.mark.parametrize("target", ["SUPERVISOR_PID", "-1", "1", "0 - SUPERVISOR_PID"])
def test_cannot_signal_other_processes(host: Host, target: str) -> None:
    r = host.run(f"import os, signal\nos.kill({target}, signal.SIGKILL)")
    assert (r.status, r.message) == ("error", EPERM)


def test_cannot_signal_its_lane(host: Host) -> None:
    src = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"
    pids = host.sandbox.stats()["pids"]
    r = host.run(src)
    assert (r.status, r.message) == ("error", EPERM)
    assert host.sandbox.stats()["pids"] == pids


def test_cannot_signal_via_pidfd_or_tgkill(host: Host) -> None:
    src = (
        "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "result = [libc.syscall(234, SUPERVISOR_PID, SUPERVISOR_PID, 9),"
        " libc.syscall(434, SUPERVISOR_PID, 0), libc.syscall(200, SUPERVISOR_PID, 9)]"
    )
    r = host.run(src)
    assert r.value == [-1, -1, -1]


def test_environment_is_scrubbed(host: Host) -> None:
    assert os.environ.get("FORGE_SANDBOX_TEST_SECRET") == SECRET
    r = host.run("import os\nresult = dict(os.environ)")
    assert SECRET not in repr(r.value)
    assert sorted(r.value) == ["HOME", "LANG", "LC_ALL", "PATH", "TMPDIR"]


def test_secret_not_in_process_memory_or_proc(host: Host) -> None:
    src = (
        "import gc, os\nseen = [repr(o) for o in gc.get_objects() if isinstance(o, (str, dict))]\n"
        "found = any('forge-secret' in s for s in seen)\nprocs = []\n"
        "for path in ('/proc/self/environ', '/proc/SUPERVISOR_PID/environ',"
        " f'/proc/{os.getppid()}/environ', '/proc/SUPERVISOR_PID/mem'):\n"
        "    try:\n        procs.append(b'forge-secret' in open(path, 'rb').read())\n"
        "    except OSError as e:\n        procs.append(type(e).__name__)\n"
        "result = [found, procs]"
    )
    r = host.run(src)
    assert r.status == "ok"
    assert r.value[0] is False
    assert all(v is False or v == "PermissionError" for v in r.value[1])


def test_cannot_ptrace_or_read_supervisor_memory(host: Host) -> None:
    src = (
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "result = [libc.ptrace(16, SUPERVISOR_PID, 0, 0), ctypes.get_errno()]"
    )
    r = host.run(src)
    assert r.value == [-1, 1]


def test_cannot_raise_its_own_limits(host: Host) -> None:
    src = (
        "import resource\nresource.setrlimit(resource.RLIMIT_AS,"
        " (resource.RLIM_INFINITY, resource.RLIM_INFINITY))"
    )
    r = host.run(src)
    assert r.status == "error" and r.message in (
        "ValueError: not allowed to raise maximum limit",
        EPERM,
    )


def test_cannot_mount_or_unshare(host: Host) -> None:
    src = (
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "result = [libc.unshare(0x10000000), libc.mount(b'none', b'/tmp', b'tmpfs', 0, None),"
        " libc.chroot(b'/tmp')]"
    )
    r = host.run(src)
    assert r.value == [-1, -1, -1]


def test_read_paths_grant_reading_only(host: Host) -> None:
    if "landlock" not in host.sandbox.isolation:
        pytest.skip("no Landlock on this host (recorded in isolation)")
    src = (
        "out = [open('CANARY_DIR/canary.txt').read()]\ntry:\n"
        "    open('CANARY_DIR/canary.txt', 'w')\nexcept OSError as e:\n"
        "    out.append(type(e).__name__)\nresult = out"
    )
    r = host.run(src, read_paths=(str(host.canary_dir),))
    assert r.value == ["intact", "PermissionError"]
    assert host.run(src).status == "error"  # without the grant, not even reading


SCRATCH_TRAPS = """import os
here = os.getcwd()
os.rename(here, here + '-moved')
os.symlink('CANARY_DIR', here)
for n in range(1, 40):
    try:
        os.symlink('CANARY_DIR/canary.txt', os.path.join('..', f'job-{n}'))
    except OSError:
        pass
os.chdir(here + '-moved')
for _ in range(3000):
    os.mkdir('d')
    os.chdir('d')
open('deep', 'w').write('x')
os.chmod('.', 0)
result = 'trapped'
"""


def test_scratch_traps_cannot_touch_the_host_or_the_next_job(host: Host) -> None:
    """Swap the scratch folder for a link to a host folder, plant links where the next
    jobs' folders will be, nest folders 3000 deep and lock them: the lane's clean-up must
    follow no link, and the next job must still get a fresh, empty folder. (seccomp now
    refuses chmod altogether, so it is off here: the clean-up must cope without it.)"""
    mode = os.stat(host.canary_dir).st_mode
    with Sandbox(lanes=1, disable=("seccomp",)) as sb:
        r = sb.run(Job(EXEC, {"source": host.fill(SCRATCH_TRAPS)}, Limits(wall_s=20)))
        assert (r.status, r.value) == ("ok", "trapped")
        after = sb.run(
            Job(EXEC, {"source": "import os\nresult = [os.listdir('.'), os.listdir('..')]"})
        )
    assert after.status == "ok" and after.value[0] == [] and len(after.value[1]) == 1
    assert os.stat(host.canary_dir).st_mode == mode


def test_cannot_leave_ipc_objects_or_memfds_behind(host: Host) -> None:
    src = (
        "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "out = [libc.shmget(0, 1 << 20, 0o1600), libc.msgget(0, 0o1600),"
        " libc.semget(0, 1, 0o1600), libc.mq_open(b'/forge', 0o100 | 2, 0o600, None)]\n"
        "try:\n    os.memfd_create('x')\n    out.append('memfd')\nexcept OSError as e:\n"
        "    out.append(e.errno)\nresult = out"
    )
    r = host.run(src)
    assert r.value == [-1, -1, -1, -1, 1]


def test_only_its_own_four_fds_are_open(host: Host) -> None:
    """No lane or supervisor descriptor (protocol pipes, Landlock ruleset) leaks in."""
    src = (
        "import os\nout = []\nfor fd in range(1024):\n    try:\n        os.fstat(fd)\n"
        "        out.append(fd)\n    except OSError:\n        pass\nresult = out"
    )
    r = host.run(src)
    assert r.value == [0, 1, 2, 3]


def test_cannot_renice_pin_or_starve_other_processes(host: Host) -> None:
    nice, cpus = os.getpriority(os.PRIO_PROCESS, 0), os.sched_getaffinity(0)
    src = (
        "import os\nout = []\nfor fn in (lambda: os.setpriority(os.PRIO_PROCESS, SUPERVISOR_PID, 19),"
        " lambda: os.setpriority(os.PRIO_USER, 0, 19),"
        " lambda: os.sched_setaffinity(SUPERVISOR_PID, {0}),"
        " lambda: os.sched_setscheduler(SUPERVISOR_PID, os.SCHED_IDLE, os.sched_param(0))):\n"
        "    try:\n        fn()\n        out.append('done')\n    except OSError as e:\n"
        "        out.append(e.errno)\nresult = out"
    )
    r = host.run(src)
    assert r.value == [1, 1, 1, 1]
    assert (os.getpriority(os.PRIO_PROCESS, 0), os.sched_getaffinity(0)) == (nice, cpus)
