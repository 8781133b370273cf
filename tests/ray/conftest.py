"""Fixtures for the Ray tests: one real two-node cluster per test module, the letters plugin
on every node and in this process, a tiny model, and run configs.

The cluster is started by ``ray start`` (a head and a second node, one CPU each, each with
its own temp dir under TMPDIR) and every one of its processes is ended in ``finally``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from forge.config import RunConfig, build_config
from forge.plugins import get_manager
from forge.ray.connect import missing

from .cluster import SITE, Cluster, auth_env, cluster_env, driver_auth, write_dist_info


@pytest.fixture(scope="module")
def letters_plugin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Make the ``raytest`` plugin loadable here and on the nodes; yield its dist-info folder."""
    if missing():
        pytest.fail("Ray is not installed: run ./scripts/setup.sh (it installs forge[ray]).")
    dist = write_dist_info(tmp_path_factory.mktemp("dist"))
    saved = os.environ.get("FORGE_LOAD_PLUGINS")
    os.environ["FORGE_LOAD_PLUGINS"] = f"{saved},raytest" if saved else "raytest"
    sys.path[:0] = [str(SITE), str(dist)]
    manager = get_manager()
    manager.load_entry_points()
    assert "letters" in manager.registry().domains
    try:
        yield dist
    finally:
        manager.remove_plugin("raytest")
        manager.plugins.pop("raytest", None)
        for path in (str(SITE), str(dist)):
            sys.path.remove(path)
        if saved is None:
            os.environ.pop("FORGE_LOAD_PLUGINS", None)
        else:
            os.environ["FORGE_LOAD_PLUGINS"] = saved


@pytest.fixture(scope="module")
def cluster(letters_plugin: Path) -> Iterator[Cluster]:
    """A head and a second node on this machine; every process of both ends afterwards."""
    import ray

    # A short root: Ray's socket paths under it must stay below the 107-byte AF_UNIX limit.
    root = Path(tempfile.mkdtemp(prefix="rc", dir=tempfile.gettempdir()))
    auth = auth_env()
    started = Cluster(root, cluster_env(letters_plugin, auth))
    try:
        with driver_auth(auth):  # this process is a driver of the cluster too
            yield started.start()
    finally:
        if ray.is_initialized():
            ray.shutdown()
        started.stop()
        left = started.running()
        shutil.rmtree(root, ignore_errors=True)
        assert not left, f"Ray processes left running: {sorted(left)}"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random llama converted to an mlx-lm folder (every node reads the same path)."""
    from forge.model.gguf_convert import convert_gguf
    from tests.model.tiny import write_tiny_gguf

    gguf = write_tiny_gguf(tmp_path_factory.mktemp("gguf") / "tiny.gguf", "llama")
    out = tmp_path_factory.mktemp("model") / "tiny-llama"
    return convert_gguf(gguf, out, {"name": "tiny-llama", "source": str(gguf)})


def run_config(model: Path, executor: dict[str, Any], source: Path | None = None) -> RunConfig:
    """A small whole loop on the letters domain: search, a few repair pairs, two LoRA steps."""
    return build_config(
        {
            "domain": "letters",
            "seed": 3,
            "model": {"name": str(model), "engine": "mlx"},
            "tasks": {"source": str(source) if source else None, "heldout": 0.25},
            "search": {
                "population_size": 4,
                "generations": 1,
                "elites": 1,
                "repairs_per_elite": 1,
                "max_tokens": 12,
            },
            "train": {"iters": 2, "batch_size": 1, "min_pairs": 1, "max_seq_len": 512},
            "executor": executor,
        }
    )
