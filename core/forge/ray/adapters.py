"""Shipping an adapter folder to the nodes: its files as bytes, rebuilt under the node's temp dir.

A LoRA adapter is a few files of a few MB (``adapters.safetensors``, ``adapter_config.json``)
written on the driver by TRAIN. :func:`pack` reads them once; the driver puts the pack in
Ray's object store and every replica calls :func:`unpack`, which writes it once per node
into a folder named by the content's hash, so a replica restarted on the same node finds it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from forge.errors import ModelError

MAX_ADAPTER_BYTES = 4 << 30
"""The largest adapter folder forge ships (a LoRA adapter is megabytes; this catches mistakes)."""


@dataclass(frozen=True)
class AdapterPack:
    """An adapter folder as data: its content hash, the driver's path, and each file's bytes."""

    key: str
    source: str
    files: tuple[tuple[str, bytes], ...]


def pack(folder: Path) -> AdapterPack:
    """Read every file under ``folder`` (relative paths kept); raise ModelError if unusable."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelError(f"Adapter folder '{folder}' does not exist.", "Pass a trained adapter.")
    files = []
    total = 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        total += len(data)
        files.append((path.relative_to(folder).as_posix(), data))
    if total > MAX_ADAPTER_BYTES:
        raise ModelError(f"Adapter folder '{folder}' holds {total >> 20} MB; that is no adapter.")
    digest = hashlib.sha256()
    for name, data in files:
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return AdapterPack(
        key=digest.hexdigest()[:24], source=str(folder.resolve()), files=tuple(files)
    )


def unpack(adapter: AdapterPack) -> Path:
    """Return this node's copy of ``adapter`` (written the first time, atomically)."""
    target = Path(tempfile.gettempdir()) / f"forge-adapter-{adapter.key}"
    if target.is_dir():
        return target
    staging = Path(tempfile.mkdtemp(prefix=f"forge-adapter-{adapter.key}-"))
    for name, data in adapter.files:
        path = staging / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            raise ModelError(f"Adapter file name '{name}' leaves its folder.")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    try:
        os.rename(staging, target)
    except OSError:  # another replica on this node was first: use its copy
        _remove(staging)
    return target


def _remove(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    folder.rmdir()
