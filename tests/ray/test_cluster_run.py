"""Whole runs on a real two-node Ray cluster: same results as the local executor, and faults.

One cluster (``ray start`` head + second node, one CPU each) serves the module; the test
that kills the second node runs last. The letters domain (tests/ray/site) runs a real
sandbox job per check, and the model is a tiny random llama on MLX, trained for real.
"""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from forge.config import to_dict
from forge.errors import ExecutorError
from forge.ray.executor import RayExecutor
from forge.session import Session

from .cluster import Cluster, clears_killed_lanes
from .conftest import run_config

COMPARED = ("phases", "heldout", "pairs")
"""The summary.json entries a run on Ray must share with the local run (pass counts, pairs)."""


def _run(cfg: Any, out: Path, run_dir: Path | None = None) -> dict[str, Any]:
    """Run a session; return its summary, stored candidates, model identity and executor."""
    with Session.open(cfg, run_dir, out=out, echo=lambda s: None) as session:
        summary = session.run()
        rows = session.store.candidates()
        workers = getattr(session.executor, "workers", [])
        return {
            "summary": summary,
            "candidates": {r["id"]: (r["text"], r["status"], r["score"]) for r in rows},
            "ids": [r["id"] for r in rows],
            "checks": [r["verdict"].extra.get("verifiers", {}).get("no-garbage") for r in rows],
            "model": session.store.get_meta("model"),
            "executor": session.executor,
            "alive": [w.alive for w in workers],
            "run_dir": session.run_dir,
        }


def _options(path: Path, **options: Any) -> Path:
    path.write_text(json.dumps(options))
    return path


@pytest.fixture(scope="module")
def local_run(tiny_model: Path, letters_plugin: Path, tmp_path_factory) -> dict[str, Any]:
    """The reference: the same run on the local executor."""
    out = tmp_path_factory.mktemp("local")
    return _run(run_config(tiny_model, {"name": "local"}), out)


def test_local_reference_has_something_to_compare(local_run) -> None:
    """The reference run passes some checks, fails others, and trains an adapter."""
    summary = local_run["summary"]
    statuses = {status for _, status, _ in local_run["candidates"].values()}
    assert {"passed", "failed"} <= statuses
    assert "failed" in local_run["checks"], "the extra verifier failed some answer"
    assert summary["pairs"]["repair"] >= 1 and summary["train"].get("skipped") is None
    assert summary["adapter"]


def test_ray_run_gives_the_local_runs_results(
    cluster: Cluster, tiny_model: Path, local_run, tmp_path: Path
) -> None:
    """Same seed, same summary and the same candidate texts and verdicts, spread over 2 nodes."""
    marker = tmp_path / "verifiers.txt"
    source = _options(tmp_path / "tasks.json", marker=str(marker))
    cfg = run_config(tiny_model, {"name": "ray", "address": cluster.address}, source)
    copies = set(Path(tempfile.gettempdir()).glob("forge-adapter-*"))
    ray_run = _run(cfg, tmp_path / "runs")
    assert set(Path(tempfile.gettempdir()).glob("forge-adapter-*")) == copies, "copies deleted"
    for key in COMPARED:
        assert ray_run["summary"][key] == local_run["summary"][key], key
    assert ray_run["candidates"] == local_run["candidates"]
    assert ray_run["checks"] == local_run["checks"], "extra verifiers ran on the nodes"
    assert ray_run["model"]["replicas"] == 2
    assert ray_run["summary"]["adapter"] and ray_run["summary"]["train"].get("skipped") is None
    parents = {int(line.split()[1]) for line in marker.read_text().splitlines()}
    node2 = cluster.pids("node2")
    assert parents & node2 and parents - node2, "both nodes' raylets had verifying workers"


def test_driver_killed_mid_run_resumes(
    cluster: Cluster, tiny_model: Path, local_run, tmp_path: Path
) -> None:
    """SIGKILL the driver (forge run) mid-search; --resume finishes with the same results."""
    source = _options(tmp_path / "tasks.json", sleep=0.05)
    cfg = run_config(tiny_model, {"name": "ray", "address": cluster.address}, source)
    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump(to_dict(cfg)))
    out = tmp_path / "runs"
    forge = [str(Path(sys.executable).with_name("forge"))]
    with clears_killed_lanes():
        _kill_and_resume(forge, config_file, out, cluster, local_run)


def _kill_and_resume(
    forge: list[str], config_file: Path, out: Path, cluster: Cluster, local_run: dict
) -> None:
    driver = subprocess.Popen(
        [*forge, "run", "--config", str(config_file), "--out", str(out)],
        env=cluster.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        run_dir = _wait_for_unit(out, "search", driver, timeout_s=240)
        driver.send_signal(signal.SIGKILL)
        driver.wait(timeout=30)
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait(timeout=30)
    assert not (run_dir / "summary.json").exists(), "the driver was killed before the end"
    done = subprocess.run(
        [*forge, "run", "--resume", str(run_dir)],
        env=cluster.env,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "already done, skipped on resume" in done.stdout
    summary = json.loads((run_dir / "summary.json").read_text())
    for key in COMPARED:
        assert summary[key] == local_run["summary"][key], key
    with sqlite3.connect(run_dir / "forge.db") as db:
        stored = {
            r[0]: (r[1], r[2], r[3])
            for r in db.execute("SELECT id, text, status, score FROM candidates")
        }
    assert stored == local_run["candidates"]


def _wait_for_unit(out: Path, phase: str, driver: subprocess.Popen, timeout_s: float) -> Path:
    """Return the run folder once a unit of ``phase`` is committed (the driver still running)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert driver.poll() is None, driver.stderr.read().decode()[-2000:] if driver.stderr else ""
        for db_path in out.glob("*/forge.db"):
            try:
                with sqlite3.connect(db_path, timeout=1) as db:
                    q = "SELECT COUNT(*) FROM units WHERE phase = ?"
                    if db.execute(q, (phase,)).fetchone()[0]:
                        return db_path.parent
            except sqlite3.OperationalError:
                pass  # the table is not there yet
        time.sleep(0.2)
    raise AssertionError(f"no {phase} unit was committed within {timeout_s} s")


def test_calls_keep_their_order_are_bounded_and_refusals_are_one_line(cluster: Cluster) -> None:
    """run_calls: results by index, a hung call stops at timeout_s, actor errors are one line."""
    import ray

    from forge.ray import connect
    from forge.ray.dispatch import Worker, run_calls
    from forge.ray.placement import place

    from .sleeper import Sleeper

    assert connect.connect(cluster.address, 60)
    workers: list[Worker] = []
    try:
        workers = [Worker(n, place(Sleeper, n), depth=2) for n in connect.alive_nodes()]
        naps = [0.6, 0.0, 0.3, 0.0, 0.1]
        got = run_calls(
            workers, naps, lambda w, s: w.handle.nap.remote(s), timeout_s=60, what="naps"
        )
        assert [seconds for seconds, _ in got] == naps
        assert len({pid for _, pid in got}) == 2, "both nodes answered"
        for method, match in (
            ("refuse", r"Ray node \w{8}: no such domain here"),
            ("explode", "ValueError: boom"),
        ):
            with pytest.raises(ExecutorError, match=match):
                run_calls(
                    workers,
                    [None],
                    lambda w, x, m=method: getattr(w.handle, m).remote(x),
                    timeout_s=60,
                    what=method,
                )
        hung = [Worker(workers[0].node, place(Sleeper, workers[0].node))]
        workers += hung
        started = time.monotonic()
        with pytest.raises(ExecutorError, match="did not finish within 1 s"):
            run_calls(hung, [30.0], lambda w, s: w.handle.nap.remote(s), timeout_s=1, what="a nap")
        assert time.monotonic() - started < 15
    finally:
        for worker in workers:
            ray.kill(worker.handle)
        ray.shutdown()


def test_losing_a_node_mid_verification_loses_no_verdict(
    cluster: Cluster, tiny_model: Path, local_run, tmp_path: Path
) -> None:
    """Kill every process of node 2 while it verifies; the run ends with every verdict once.

    Runs last in this module: the cluster has one node afterwards.
    """
    marker = tmp_path / "verifiers.txt"
    marker.touch()
    source = _options(tmp_path / "tasks.json", sleep=0.3, marker=str(marker))
    cfg = run_config(tiny_model, {"name": "ray", "address": cluster.address}, source)
    killed: list[set[int]] = []
    stop = threading.Event()

    def kill_node2_once_it_verifies() -> None:
        while not stop.is_set():
            node2 = cluster.pids("node2")
            if {int(p) for p in marker.read_text().split()} & node2:  # pid or parent
                killed.append(cluster.kill_node("node2"))
                return
            time.sleep(0.1)

    watcher = threading.Thread(target=kill_node2_once_it_verifies, daemon=True)
    watcher.start()
    copies = set(Path(tempfile.gettempdir()).glob("forge-adapter-*"))
    try:
        with clears_killed_lanes():
            ray_run = _run(cfg, tmp_path / "runs")
    finally:
        stop.set()
        watcher.join(timeout=10)
        for left in set(Path(tempfile.gettempdir()).glob("forge-adapter-*")) - copies:
            shutil.rmtree(left, ignore_errors=True)  # the killed node's replica could not
    assert killed and killed[0], "node 2 was killed while it verified"
    executor = ray_run["executor"]
    assert isinstance(executor, RayExecutor)
    assert ray_run["alive"] == [True, False], "node 2's sandbox was lost"
    assert len(ray_run["ids"]) == len(set(ray_run["ids"])) == len(local_run["ids"])
    assert ray_run["candidates"] == local_run["candidates"]
    for key in COMPARED:
        assert ray_run["summary"][key] == local_run["summary"][key], key
