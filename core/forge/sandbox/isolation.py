"""Which isolation layers a lane can use, and applying them inside a forked child.

A lane probes once at start-up (:func:`lane_setup`): it enters its own network and mount
namespaces where it can, then forks a throwaway child that applies every optional layer
and checks that each one really bites (fork and sockets refused, writes outside scratch
refused). The layers that passed form the lane's :class:`Plan`; every job's child applies
exactly that plan (:func:`enter`) or fails closed, so the isolation a result reports is
the isolation that was in force.
"""

from __future__ import annotations

import math
import os
import resource
import signal
import sys
from collections.abc import Callable
from typing import Any, NamedTuple

from forge.sandbox import descriptors, landlock, namespaces, probe, procs, seccomp, syscalls

LINUX = sys.platform.startswith("linux")
MACOS = sys.platform == "darwin"
NOBODY = 65534
SAFE_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
OPTIONAL = ("nobody", "landlock", "caps", "seccomp")
PR_SET_CHILD_SUBREAPER = 36
PR_SET_KEEPCAPS = 8
CAP_DAC_READ_SEARCH = 2
LANE_UID_BASE = 0x70000000
"""As root, a program-profile child runs as ``LANE_UID_BASE + lane pid``: a uid of its own
(1879048192 and up: the range systemd leaves unused), so ``RLIMIT_NPROC`` counts only it."""


class Plan(NamedTuple):
    """The layers a lane applies to every child, plus what applying them needs."""

    layers: tuple[str, ...]
    ruleset_fd: int = -1
    lane_pid: int = 0
    rules: tuple[str, ...] | None = None  # what children may read (None: computed on use)
    uid: int = NOBODY  # the uid the child drops to ("nobody" or "lane_uid" layer)
    nproc: int = 0  # RLIMIT_NPROC ("nproc" layer): 0 forbids new processes
    own_signals: bool = False  # program profile: signals to any pid (confined otherwise)


def base_layers() -> tuple[str, ...]:
    """Return the layers every platform gets: fork, session, scrubbed env, scratch, rlimits."""
    layers = ["fork", "session", "env", "scratch", "rlimits"]
    if LINUX:
        layers += ["rlimit_as", "pdeathsig"]
    return tuple(layers)


def lane_setup(
    scratch_root: str,
    disable: tuple[str, ...] = (),
    wrapped: tuple[str, ...] = (),
    rules: tuple[str, ...] | None = None,
) -> Plan:
    """Prepare the lane process itself and return the plan its children will apply.

    ``rules`` are the paths children may read (from the supervisor's
    :func:`forge.sandbox.readable.read_rules`); None computes them here.
    """
    layers = list(base_layers()) + list(wrapped)
    if LINUX:
        layers += namespaces.enter_lane_namespaces(scratch_root, disable)
        if "subreaper" not in disable and _try(
            lambda: syscalls.prctl(PR_SET_CHILD_SUBREAPER, 1), strict=False
        ):
            layers.append("subreaper")
    layers = [x for x in layers if x not in disable]
    if "rlimit_as" not in layers:  # macOS ignores RLIMIT_AS; elsewhere it may be disabled
        layers.append("rss_watchdog")
    ruleset = -1
    wanted = [x for x in OPTIONAL if x not in disable and _available(x)]
    if "landlock" in wanted:
        try:
            ruleset = landlock.build_ruleset(landlock.abi_version(), scratch_root, rules=rules)
        except OSError:
            wanted.remove("landlock")
    if "seccomp" in wanted:
        seccomp.prepare()
    if "nobody" in wanted and not _nobody_can_read():
        # uid 65534 needs CAP_DAC_READ_SEARCH to read the Python install (e.g. under /root).
        # It then reads what root could (Landlock, where present, bounds that) but writes,
        # chmods and signals nothing of root's. Only seccomp refuses the file-handle calls
        # that capability would open up, so it is kept only with seccomp.
        if {"seccomp", "caps"} <= set(wanted):
            wanted.append("read_cap")
        else:
            wanted.remove("nobody")
    trial = Plan(tuple(layers + wanted), ruleset, os.getpid(), rules)
    working = probe.run_probe(trial, scratch_root)
    if "read_cap" in working and not {"seccomp", "caps"} <= set(working):
        working = [x for x in working if x not in ("nobody", "read_cap")]
    layers += [x for x in wanted if x in working]
    child_not_root = os.geteuid() != 0 or "nobody" in layers
    if child_not_root and ("seccomp" not in layers or MACOS):
        layers.append("nproc")  # on Linux RLIMIT_NPROC=0 also stops threads: a fallback only
    return Plan(tuple(x for x in layers if x not in disable), ruleset, os.getpid(), rules)


def _nobody_can_read() -> bool:
    """True when uid 65534 can read the standard library and site-packages by permissions."""
    import sysconfig

    paths = (os.__file__, sysconfig.get_paths()["purelib"])
    return all(_world_readable(os.path.abspath(p)) for p in paths)


def _world_readable(path: str) -> bool:
    """True when "others" may traverse every folder above ``path`` and read ``path``."""
    parts = path.split(os.sep)
    try:
        for i in range(2, len(parts)):
            if not os.stat(os.sep.join(parts[:i])).st_mode & 0o001:
                return False
        return bool(os.stat(path).st_mode & 0o004)
    except OSError:
        return False


def _available(layer: str) -> bool:
    if layer in ("nobody", "caps"):
        return os.geteuid() == 0 and (LINUX or layer == "nobody")
    if layer == "landlock":
        return LINUX and landlock.abi_version() > 0
    return seccomp.supported()


def prepare_scratch(plan: Plan, scratch: str) -> None:
    """Make a job's fresh scratch folder usable by the child the plan will create."""
    os.chmod(scratch, 0o700)
    if "nobody" in plan.layers or "lane_uid" in plan.layers:
        os.chown(scratch, plan.uid, plan.uid)


def enter(
    plan: Plan,
    limits: dict[str, Any],
    scratch: str,
    fds: tuple[int, int, int, int],
    strict: bool = True,
) -> list[str]:
    """Apply ``plan`` to the current (child) process and return the optional layers applied.

    With ``strict`` (every job) any failure raises; without it (the probe) failures of
    optional layers are skipped so the probe can report what works.
    """
    os.setsid()
    if "pdeathsig" in plan.layers:
        syscalls.prctl(syscalls.PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != plan.lane_pid:
            os._exit(1)
    fds = descriptors.fresh(fds)  # before dropping privileges: reopening needs them
    os.chdir(scratch)
    os.environ.clear()
    os.environ.update({**SAFE_ENV, "HOME": scratch, "TMPDIR": scratch})
    _set_rlimits(plan, limits)
    keep = (CAP_DAC_READ_SEARCH,) if {"read_cap", "caps"} <= set(plan.layers) else ()
    steps: list[tuple[str, Callable[[], None]]] = [
        ("nobody", lambda: _drop_to(plan.uid, bool(keep))),
        ("lane_uid", lambda: _drop_to(plan.uid, bool(keep))),
        ("landlock", lambda: _landlock(plan, limits, scratch)),
        ("caps", lambda: syscalls.drop_capabilities(keep)),
    ]
    applied = [name for name, fn in steps if name in plan.layers and _try(fn, strict)]
    dropped = "nobody" in applied or "lane_uid" in applied
    if keep and dropped and "caps" in applied:
        applied.append("read_cap")
    _wire_fds(fds)
    programs = "programs" in plan.layers

    def install() -> None:
        seccomp.install(os.getpid(), programs, plan.own_signals)

    if "seccomp" in plan.layers and _try(install, strict):
        applied.append("seccomp")
    return applied


def _landlock(plan: Plan, limits: dict[str, Any], scratch: str) -> None:
    """Enforce the plan's ruleset (the lane built it, with the job's ``read_paths``)."""
    landlock.restrict_self(plan.ruleset_fd)


def job_plan(
    plan: Plan,
    read_paths: tuple[str, ...],
    programs: dict[str, Any] | None,
    cache: dict[Any, int],
    root: str,
) -> Plan:
    """Return ``plan`` for one job: a ruleset that also grants ``read_paths`` and, under the
    program profile (``programs``, from :meth:`ProgramProfile.to_wire`), executing exactly
    its programs, with the child under a uid of this lane and a process limit.

    Runs in the lane before the fork. ``cache`` maps rule sets to ruleset fds (built once
    per set); raises OSError when a path cannot be opened.
    """
    execute: tuple[str, ...] = ()
    if programs:
        plan = _program_plan(plan, int(programs["processes"]))
        execute = tuple(str(p) for p in programs["execute"])
        read_paths = (*read_paths, *(str(p) for p in programs["read"]))
    if not (read_paths or execute) or "landlock" not in plan.layers:
        return plan
    key = (read_paths, execute)
    if key not in cache:
        if len(cache) >= 32:
            os.close(cache.pop(next(iter(cache))))
        abi = landlock.abi_version()
        cache[key] = landlock.build_ruleset(abi, root, read_paths, plan.rules, execute)
    return plan._replace(ruleset_fd=cache[key])


def _program_plan(plan: Plan, processes: int) -> Plan:
    """The lane's plan with the program profile: exec and fork allowed by seccomp, and the
    child with all it starts under one uid of this lane, so RLIMIT_NPROC bounds them.

    As root that uid is ``LANE_UID_BASE + lane pid`` (where dropping privileges works at
    all: the ``nobody`` layer); otherwise it is the user's own, counted within the lane's
    user namespace (or, without one, on top of the processes the user has now).
    """
    layers = [x for x in plan.layers if x != "nproc"]
    # A runner may kill its own subprocesses by pid where nothing else can be reached:
    # Landlock's signal scope (ABI 6), or a uid that only this job's processes have.
    scoped = "landlock" in layers and landlock.abi_version() >= 6
    if os.geteuid() != 0:
        nproc = processes + procs.baseline(namespaces.in_own_user_namespace())
        layers += ["programs", "nproc"]
        return plan._replace(
            layers=tuple(layers), uid=os.geteuid(), nproc=nproc, own_signals=scoped
        )
    if "nobody" not in layers:  # no uid to count under: no process limit, and it says so
        return plan._replace(layers=(*layers, "programs"), own_signals=scoped)
    layers[layers.index("nobody")] = "lane_uid"
    uid = LANE_UID_BASE + plan.lane_pid
    layers += ["programs", "nproc"]
    return plan._replace(layers=tuple(layers), uid=uid, nproc=processes, own_signals=True)


def _try(fn: Callable[[], object], strict: bool) -> bool:
    try:
        fn()
    except OSError:
        if strict:
            raise
        return False
    return True


def _drop_to(uid: int, keep_caps: bool = False) -> None:
    os.setgroups([])
    if keep_caps:  # the permitted set survives setresuid; the caps step trims it
        syscalls.prctl(PR_SET_KEEPCAPS, 1)
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def _wire_fds(fds: tuple[int, int, int, int]) -> None:
    stdin, stdout, stderr, result = fds
    os.dup2(stdin, 0)
    os.dup2(stdout, 1)
    os.dup2(stderr, 2)
    os.dup2(result, 3)
    os.closerange(4, 1 << 16)


def _set_rlimits(plan: Plan, limits: dict[str, Any]) -> None:
    cpu = max(1, math.ceil(float(limits["cpu_s"])))
    _limit(resource.RLIMIT_CPU, cpu, cpu + 1)
    _limit(resource.RLIMIT_FSIZE, int(limits["file_bytes"]))
    _limit(resource.RLIMIT_NOFILE, max(8, int(limits["open_files"])))
    _limit(resource.RLIMIT_CORE, 0)
    if "rlimit_as" in plan.layers:
        _limit(resource.RLIMIT_AS, int(limits["memory_mb"]) << 20)
    if "nproc" in plan.layers:
        _limit(resource.RLIMIT_NPROC, plan.nproc)


def _limit(which: int, soft: int, hard: int | None = None) -> None:
    hard = soft if hard is None else hard
    _, cur_hard = resource.getrlimit(which)
    if cur_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, cur_hard), min(hard, cur_hard)
    resource.setrlimit(which, (soft, hard))
