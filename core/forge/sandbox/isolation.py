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

from forge.sandbox import landlock, namespaces, probe, seccomp, syscalls

LINUX = sys.platform.startswith("linux")
MACOS = sys.platform == "darwin"
NOBODY = 65534
SAFE_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
OPTIONAL = ("nobody", "landlock", "caps", "seccomp")
PR_SET_CHILD_SUBREAPER = 36


class Plan(NamedTuple):
    """The layers a lane applies to every child, plus what applying them needs."""

    layers: tuple[str, ...]
    ruleset_fd: int = -1
    lane_pid: int = 0


def base_layers() -> tuple[str, ...]:
    """Return the layers every platform gets: fork, session, scrubbed env, scratch, rlimits."""
    layers = ["fork", "session", "env", "scratch", "rlimits"]
    if LINUX:
        layers += ["rlimit_as", "pdeathsig"]
    return tuple(layers)


def lane_setup(
    scratch_root: str, disable: tuple[str, ...] = (), wrapped: tuple[str, ...] = ()
) -> Plan:
    """Prepare the lane process itself and return the plan its children will apply."""
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
            ruleset = landlock.build_ruleset(landlock.abi_version(), scratch_root)
        except OSError:
            wanted.remove("landlock")
    if "seccomp" in wanted:
        seccomp.prepare()
    trial = Plan(tuple(layers + wanted), ruleset, os.getpid())
    working = probe.run_probe(trial, scratch_root)
    layers += [x for x in wanted if x in working]
    child_not_root = os.geteuid() != 0 or "nobody" in layers
    if child_not_root and ("seccomp" not in layers or MACOS):
        layers.append("nproc")  # on Linux RLIMIT_NPROC=0 also stops threads: a fallback only
    return Plan(tuple(x for x in layers if x not in disable), ruleset, os.getpid())


def _available(layer: str) -> bool:
    if layer in ("nobody", "caps"):
        return os.geteuid() == 0 and (LINUX or layer == "nobody")
    if layer == "landlock":
        return LINUX and landlock.abi_version() > 0
    return seccomp.supported()


def prepare_scratch(plan: Plan, scratch: str) -> None:
    """Make a job's fresh scratch folder usable by the child the plan will create."""
    os.chmod(scratch, 0o700)
    if "nobody" in plan.layers:
        os.chown(scratch, NOBODY, NOBODY)


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
    os.chdir(scratch)
    os.environ.clear()
    os.environ.update({**SAFE_ENV, "HOME": scratch, "TMPDIR": scratch})
    _set_rlimits(plan, limits)
    steps: list[tuple[str, Callable[[], None]]] = [
        ("nobody", _drop_to_nobody),
        ("landlock", lambda: _landlock(plan, limits, scratch)),
        ("caps", syscalls.drop_capabilities),
    ]
    applied = [name for name, fn in steps if name in plan.layers and _try(fn, strict)]
    _wire_fds(fds)
    if "seccomp" in plan.layers and _try(lambda: seccomp.install(os.getpid()), strict):
        applied.append("seccomp")
    return applied


def _landlock(plan: Plan, limits: dict[str, Any], scratch: str) -> None:
    extra = tuple(str(p) for p in limits.get("read_paths") or ())
    if not extra:
        landlock.restrict_self(plan.ruleset_fd)  # the lane's prebuilt ruleset
        return
    ruleset = landlock.build_ruleset(landlock.abi_version(), os.path.dirname(scratch), extra)
    landlock.restrict_self(ruleset)


def _try(fn: Callable[[], object], strict: bool) -> bool:
    try:
        fn()
    except OSError:
        if strict:
            raise
        return False
    return True


def _drop_to_nobody() -> None:
    os.setgroups([])
    os.setresgid(NOBODY, NOBODY, NOBODY)
    os.setresuid(NOBODY, NOBODY, NOBODY)


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
        _limit(resource.RLIMIT_NPROC, 0)


def _limit(which: int, soft: int, hard: int | None = None) -> None:
    hard = soft if hard is None else hard
    _, cur_hard = resource.getrlimit(which)
    if cur_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, cur_hard), min(hard, cur_hard)
    resource.setrlimit(which, (soft, hard))
