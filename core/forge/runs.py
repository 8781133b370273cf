"""Run folders: create one for a new run, reopen one to resume, lock it while in use.

``runs/<id>/`` holds ``config.yaml``, ``forge.db``, ``pairs.jsonl``, ``adapter/``,
``summary.json`` and ``report.html``.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from forge.config import RunConfig, build_config, dump_yaml, to_dict
from forge.errors import StoreError
from forge.store import RunStore


@dataclass
class Run:
    """Handle passed to event hooks: ``id``, ``dir``, ``domain`` (the name), ``config`` and
    ``phases`` (the names of the planned phases, in order)."""

    id: str
    dir: Path
    domain: str
    config: RunConfig
    phases: list[str] = field(default_factory=list)


def new_run_dir(out: Path, domain: str, name: str | None = None) -> Path:
    """Create and return a fresh ``<out>/<timestamp>-<domain>-<random>`` folder (or
    ``<out>/<name>``: one left without a store by a start that was cut off is reused)."""
    out.mkdir(parents=True, exist_ok=True)
    if name is not None:
        path = out / name
        if (path / "forge.db").exists():
            raise StoreError(
                f"Run folder '{path}' exists already.", "Resume it, or pick another name."
            )
        path.mkdir(exist_ok=True)
        return path
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = out / f"{stamp}-{domain}-{secrets.token_hex(2)}"
    path.mkdir()
    return path


def write_config(run_dir: Path, config: RunConfig) -> None:
    """Write ``config.yaml`` atomically (it is what ``--resume`` reads)."""
    tmp = run_dir / "config.yaml.tmp"
    tmp.write_text(dump_yaml(config), encoding="utf-8")
    os.replace(tmp, run_dir / "config.yaml")


def read_config(run_dir: Path) -> RunConfig:
    """Return the config of an existing run folder, or raise a one-line StoreError."""
    path = run_dir / "config.yaml"
    if not path.is_file() or not (run_dir / "forge.db").is_file():
        raise StoreError(
            f"'{run_dir}' is not a forge run folder (no config.yaml and forge.db).",
            "Pass a folder under runs/ that 'forge run' created.",
        )
    return build_config(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=repr), encoding="utf-8")
    os.replace(tmp, path)


class RunLock:
    """An exclusive lock on a run folder, so two processes never write one run at once."""

    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / ".lock"
        self.fh: Any = None

    def __enter__(self) -> RunLock:
        self.fh = open(self.path, "a+")  # noqa: SIM115 - held for the lock's lifetime
        try:
            import fcntl

            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # pragma: no cover - no fcntl (Windows): best effort
            pass
        except OSError:
            self.fh.close()
            raise StoreError(
                f"Run '{self.path.parent}' is in use by another forge process.",
                "Wait for it to finish, or stop it first.",
            ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        self.fh.close()


def open_store(run_dir: Path, config: RunConfig) -> RunStore:
    """Open the run's store and record the config (first time only)."""
    store = RunStore(run_dir / "forge.db")
    if store.get_meta("config") is None:
        store.set_meta("config", to_dict(config))
    return store
