"""``--executor ray`` without an address: Ray started on this machine, and stopped again.

Starts its own one-node Ray (not the module cluster of test_cluster_run), verifies real
code answers there, and checks the executor leaves no Ray process behind. Regression: Ray
started on a helper thread had its processes killed when that thread ended.
"""

from __future__ import annotations

import subprocess

from forge.config import build_config
from forge.plugins import get_domain
from forge.ray.executor import RayExecutor
from forge.verifiers import verify_all

from .cluster import auth_env, driver_auth


def _ray_processes(session_dir: str) -> list[str]:
    out = subprocess.run(
        ["ps", "-axww", "-o", "pid=,stat=,command="], capture_output=True, text=True, timeout=30
    ).stdout
    return [line for line in out.splitlines() if session_dir in line and " Z" not in line]


def test_ray_started_here_verifies_like_the_local_sandbox_and_stops() -> None:
    import ray

    from forge.sandbox import Sandbox
    from tests.code.reference_solutions import REFERENCE

    code = get_domain("code")
    tasks = [t for t in code.load_tasks(None) if t.id in ("add", "fizzbuzz", "two_sum")]
    items = [(t, REFERENCE[t.id]) for t in tasks] + [(t, "def nope(:\n") for t in tasks]
    with driver_auth(auth_env()):  # a token of its own: nothing written to ~/.ray
        executor = RayExecutor.create(build_config({"executor": {"name": "ray"}}))
        try:
            session_dir = _session_dir()
            assert len(executor.workers) == 1 and executor.lanes >= 1
            got = executor.submit(code, items).result(timeout=300)
            assert executor.submit(code, []).result(timeout=60) == []
        finally:
            executor.close()
    with Sandbox(lanes=1) as sandbox:
        want = verify_all(code, items, sandbox)
    assert [v.status for v in got] == [v.status for v in want]
    assert [v.status == "passed" for v in got] == [True] * 3 + [False] * 3
    assert [v.passed for v in got] == [v.passed for v in want]
    assert not ray.is_initialized()
    assert not _ray_processes(session_dir), "the executor stops the Ray it started"


def _session_dir() -> str:
    from ray._private import worker

    return str(worker._global_node.get_session_dir_path())
