"""A real two-node Ray cluster on this machine, started with ``ray start`` (one CPU per node).

Each node gets its own temp dir under TMPDIR, free ports, and a small object store. Its
processes are found by that temp dir in their command lines (and their descendants, whose
names Ray rewrites), so :meth:`Cluster.kill_node` and :meth:`Cluster.stop` end exactly the
processes of this cluster by id -- never ``ray stop``, which kills every Ray on the machine.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

RAY = Path(sys.executable).with_name("ray")
HERE = Path(__file__).resolve().parent
SITE = HERE / "site"
REPO = HERE.parent.parent
NODE_ENV = {
    # Declare a node dead after ~3 s without heartbeats instead of Ray's ~30 s, so the
    # chaos test's lost node is noticed quickly (a setting of the test cluster only).
    "RAY_health_check_period_ms": "1000",
    "RAY_health_check_failure_threshold": "3",
    "RAY_health_check_initial_delay_ms": "1000",
    "RAY_USAGE_STATS_ENABLED": "0",
}


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_dist_info(folder: Path) -> Path:
    """Write a dist-info declaring the ``raytest`` forge entry point into ``folder``."""
    info = folder / "forge_raytest-0.1.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: forge-raytest\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[forge]\nraytest = forge_raytest.plugin\n")
    return folder


@dataclass
class Cluster:
    """The head and second node of a test cluster, and how to reach and end them."""

    root: Path
    env: dict[str, str]
    address: str = ""
    nodes: dict[str, Path] = field(default_factory=dict)

    def start(self) -> Cluster:
        """Start the head, then the second node; each with one CPU."""
        port = free_port()
        self.address = f"127.0.0.1:{port}"
        head = ["--head", "--port", str(port), "--include-dashboard", "false"]
        self._start("head", head)
        self._start("node2", ["--address", self.address])
        return self

    def _start(self, name: str, args: list[str]) -> None:
        temp = self.root / name
        temp.mkdir(parents=True, exist_ok=True)
        self.nodes[name] = temp
        cmd = [str(RAY), "start", *args, "--num-cpus", "1", "--temp-dir", str(temp)]
        cmd += ["--disable-usage-stats", "--object-store-memory", str(100 << 20)]
        cmd += ["--dashboard-agent-listen-port", str(free_port())]
        done = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=180)
        if done.returncode != 0:
            raise RuntimeError(f"ray start {name} failed:\n{done.stdout}\n{done.stderr}")

    def pids(self, name: str) -> set[int]:
        """Every process of node ``name``: those naming its temp dir, and their descendants."""
        rows = []
        out = subprocess.run(
            ["ps", "-axww", "-o", "pid=,ppid=,command="], capture_output=True, text=True, timeout=30
        ).stdout
        for line in out.splitlines():
            parts = line.split(None, 2)
            if len(parts) >= 2:
                rows.append((int(parts[0]), int(parts[1]), parts[2] if len(parts) == 3 else ""))
        names_dir = re.compile(re.escape(str(self.nodes[name])) + r"(/|\s|$)")
        mine = {pid for pid, _, cmd in rows if names_dir.search(cmd)}
        mine.discard(os.getpid())
        while True:
            more = {pid for pid, ppid, _ in rows if ppid in mine} - mine
            if not more:
                return mine
            mine |= more

    def kill_node(self, name: str, sig: int = signal.SIGKILL) -> set[int]:
        """Send ``sig`` to every process of node ``name``; return their ids."""
        pids = self.pids(name)
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        return pids

    def stop(self) -> None:
        """End every process of the cluster: SIGTERM, then SIGKILL what is left after 3 s
        (the GCS server takes over 10 s to leave on SIGTERM; nothing of it is kept)."""
        for name in list(self.nodes):
            self.kill_node(name, signal.SIGTERM)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and self.running():
            time.sleep(0.5)
        for name in list(self.nodes):
            self.kill_node(name, signal.SIGKILL)

    def running(self) -> set[int]:
        """Ids of this cluster's processes still alive (zombies excluded)."""
        alive = set()
        for name in self.nodes:
            for pid in self.pids(name):
                try:
                    with open(f"/proc/{pid}/stat") as f:
                        if f.read().split(") ", 1)[1][0] == "Z":
                            continue
                except OSError:
                    pass
                alive.add(pid)
        return alive


def auth_env() -> dict[str, str]:
    """Token authentication with a fresh token of this cluster's own (not ~/.ray/auth_token).

    Ray 2.60 turns tokens on for ``ray start --head`` when ~/.ray/auth_token exists but not
    for a joining node, so the mode is set explicitly; every driver needs the same two.
    """
    return {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": uuid.uuid4().hex + uuid.uuid4().hex}


@contextmanager
def driver_auth(auth: dict[str, str]) -> Iterator[None]:
    """Make this process a driver with ``auth`` for the block, then restore what it had.

    Ray reads the mode into its config and caches the token once per process, so both are
    refreshed on the way in and out (a test session may hold other Ray settings before).
    """
    from ray._raylet import AuthenticationTokenLoader, Config

    saved = {k: os.environ.get(k) for k in auth}

    def refresh() -> None:
        Config.initialize("")
        AuthenticationTokenLoader.instance().reset_cache()

    os.environ.update(auth)
    refresh()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        refresh()


@contextmanager
def clears_killed_lanes() -> Iterator[None]:
    """Delete the sandbox lane folders that appear during the block and outlive it.

    A test that kills a node or a driver kills sandbox lanes before they can delete their
    scratch folders (``forge-lane-*`` in the temp dir); once the run is over, every new
    folder left is such an orphan.
    """
    tmp = Path(tempfile.gettempdir())
    before = set(tmp.glob("forge-lane-*"))
    try:
        yield
    finally:
        for folder in set(tmp.glob("forge-lane-*")) - before:
            shutil.rmtree(folder, ignore_errors=True)


def cluster_env(dist: Path, auth: dict[str, str]) -> dict[str, str]:
    """The environment the nodes run with: this venv, the test plugin, this TMPDIR, ``auth``."""
    env = dict(os.environ)
    env.update(NODE_ENV)
    env.update(auth)
    paths = [str(SITE), str(dist), str(REPO)]
    env["PYTHONPATH"] = os.pathsep.join(paths + [env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["TMPDIR"] = tempfile.gettempdir()
    return env
