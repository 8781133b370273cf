"""The Ray executor's pieces that need no cluster: splitting, batching, adapter packs, the CLI.

The command-line checks run ``forge`` in a subprocess, as a user would; none starts Ray.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from forge.config import build_config
from forge.errors import ConfigError, ModelError
from forge.ray import adapters
from forge.ray.engine import portable_stop, split
from forge.ray.executor import batch_size, make_batch
from forge.types import Task

from .cluster import free_port

FORGE = str(Path(sys.executable).with_name("forge"))


@pytest.mark.parametrize(
    ("counts", "parts"),
    [([4] * 8, 2), ([1, 9, 1, 1, 1, 1], 2), ([3], 4), ([2, 2, 2], 3), ([5, 1, 1, 1, 1, 1], 3)],
)
def test_split_covers_every_prompt_once_in_order(counts, parts) -> None:
    shares = split(counts, parts)
    assert shares[0][0] == 0 and shares[-1][1] == len(counts)
    assert all(a < b for a, b in shares), "no empty share"
    assert all(prev[1] == nxt[0] for prev, nxt in zip(shares, shares[1:], strict=False))
    assert len(shares) <= min(parts, len(counts))


def test_split_balances_sequences() -> None:
    assert split([4] * 8, 2) == [(0, 4), (4, 8)]
    assert split([6, 1, 1, 1, 1, 1, 1], 2) == [(0, 1), (1, 7)]
    assert split([], 3) == []


def test_batches_give_every_lane_work_but_stay_bounded() -> None:
    assert batch_size(16, 2, 16) == 4  # a single pass's 16 answers: 2 batches per lane
    assert batch_size(1000, 16, 16) == 16  # many items: the configured largest batch
    assert batch_size(1, 8, 16) == 1


def test_a_batch_sends_each_task_once() -> None:
    a = Task(id="a", domain="d", prompt="A")
    b = Task(id="b", domain="d", prompt="B")
    tasks, pairs = make_batch([(a, "1"), (b, "2"), (a, None), (a, "3")])
    assert tasks == [a, b]
    assert pairs == [(0, "1"), (1, "2"), (0, None), (0, "3")]
    assert [(tasks[i], x) for i, x in pairs] == [(a, "1"), (b, "2"), (a, None), (a, "3")]


def test_a_domains_stop_rule_crosses_by_name() -> None:
    from forge.plugins import get_domain

    code = get_domain("code")
    assert portable_stop(code.answer_complete) == ("domain", "code")
    assert portable_stop(None) is None

    def rule(text: str) -> bool:
        return text.endswith(".")

    assert portable_stop(rule) is rule


def test_adapter_pack_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "adapter"
    (folder / "sub").mkdir(parents=True)
    (folder / "adapters.safetensors").write_bytes(b"\x00\x01weights")
    (folder / "adapter_config.json").write_text('{"rank": 4}')
    (folder / "sub" / "note.txt").write_text("x")
    pack = adapters.pack(folder)
    assert pack.source == str(folder.resolve())
    node_tmp = tmp_path / "node"
    node_tmp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(node_tmp))
    copy = adapters.unpack(pack)
    assert copy.parent == node_tmp and copy != folder
    for name in ("adapters.safetensors", "adapter_config.json", "sub/note.txt"):
        assert (copy / name).read_bytes() == (folder / name).read_bytes()
    assert adapters.unpack(pack) == copy, "a second replica on the node reuses the copy"
    (folder / "adapter_config.json").write_text('{"rank": 8}')
    assert adapters.pack(folder).key != pack.key, "new content, new key"


def test_adapter_pack_refuses_escaping_names(tmp_path: Path) -> None:
    evil = adapters.AdapterPack(key="k" * 24, source="/x", files=(("../escape", b"x"),))
    with pytest.raises(ModelError, match="leaves its folder"):
        adapters.unpack(evil)
    with pytest.raises(ModelError, match="does not exist"):
        adapters.pack(tmp_path / "nothing")


def test_executor_config_keys() -> None:
    cfg = build_config({"executor": {"name": "ray", "address": "auto", "timeout_s": 30}})
    assert (cfg.executor.address, cfg.executor.timeout_s, cfg.executor.batch_size) == (
        "auto",
        30.0,
        16,
    )
    with pytest.raises(ConfigError, match="executor.batch_size"):
        build_config({"executor": {"batch_size": "many"}})


def _forge(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [FORGE, *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


def test_without_ray_installed_one_line_says_how_to_install(tmp_path: Path) -> None:
    """A ``ray`` module that cannot be imported stands in for a machine without the extra."""
    (tmp_path / "ray").mkdir()
    (tmp_path / "ray" / "__init__.py").write_text("raise ImportError('no ray here')\n")
    import os

    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = _forge("run", "--executor", "ray", "--quick", "--out", str(tmp_path / "runs"), env=env)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "pip install 'forge[ray]'" in lines[0] and "executor 'ray'" in lines[0]
    assert not (tmp_path / "runs").exists()


def test_ray_address_needs_the_ray_executor(tmp_path: Path) -> None:
    done = _forge("run", "--ray-address", "auto", "--out", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "Error: --ray-address needs --executor ray (or executor.name: ray)."
    )


def test_an_unreachable_cluster_fails_fast_in_one_line(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    done = _forge(
        "run", "--executor", "ray", "--ray-address", f"127.0.0.1:{port}", "--out", str(tmp_path)
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"Error: Cannot reach the Ray cluster at 127.0.0.1:{port}")
    assert "ray start --head" in done.stderr
