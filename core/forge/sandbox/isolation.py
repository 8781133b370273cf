"""Which isolation layers a lane can use, and applying them inside a forked child.

A lane probes once at start-up (:func:`probe`) by forking a throwaway child that applies
every candidate layer; the layers that worked form the lane's :class:`Plan`. Every job's
child then applies exactly that plan (:func:`enter`) or fails closed, so the isolation a
result reports is the isolation that was in force.
"""

from __future__ import annotations

import math
import os
import resource
import sys
from dataclasses import dataclass
from typing import Any

LINUX = sys.platform.startswith("linux")
MACOS = sys.platform == "darwin"
SAFE_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0"}


@dataclass(frozen=True)
class Plan:
    """The layers a lane applies to every child, by name, in the order they are applied."""

    layers: tuple[str, ...]


def base_layers() -> tuple[str, ...]:
    """Return the layers every platform gets: fork, session, scrubbed env, scratch, rlimits."""
    layers = ["fork", "session", "env", "scratch", "rlimits"]
    if LINUX:
        layers.append("rlimit_as")
    return tuple(layers)


def enter(plan: Plan, limits: dict[str, Any], scratch: str, fds: tuple[int, int, int, int]) -> None:
    """Apply ``plan`` to the current (child) process; raise if any layer cannot be applied."""
    os.setsid()
    _wire_fds(fds)
    os.chdir(scratch)
    os.environ.clear()
    os.environ.update({**SAFE_ENV, "HOME": scratch, "TMPDIR": scratch})
    _set_rlimits(plan, limits)


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


def lane_setup(scratch_root: str, disable: tuple[str, ...] = ()) -> Plan:
    """Prepare the lane process itself and return the plan its children will apply."""
    layers = list(base_layers())
    if os.geteuid() != 0:
        layers.append("nproc")
    if MACOS:
        layers.append("rss_watchdog")
    return Plan(tuple(x for x in layers if x not in disable))


def prepare_scratch(plan: Plan, scratch: str) -> None:
    """Make a job's fresh scratch folder usable by the child the plan will create."""
    os.chmod(scratch, 0o700)
