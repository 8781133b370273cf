"""Write ``catalog.json`` (``forge gym check --write``): knobs and conformance of every generator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from forge_gym import catalog, generate, rg


def entries(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return the catalogue entries for conformance ``results`` (generator -> Result)."""
    out = {}
    for name in sorted(results):
        curriculum = rg.curriculum(name)
        out[name] = {
            "sound": results[name].sound,
            "failed": list(results[name].failed),
            "levels": generate.max_level(curriculum) if curriculum is not None else 0,
            "knobs": catalog.knobs_of(name),
            "keying": rg.keying(name),
        }
    return out


def write(results: dict[str, Any], items: int) -> Path:
    """Write the catalogue for ``results`` next to this module; return its path."""
    path = Path(__file__).with_name(catalog.CATALOG)
    data = {
        "reasoning_gym": rg.version(),
        "conformance_items": items,
        "generators": entries(results),
    }
    path.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", "utf-8")
    catalog.catalog.cache_clear()
    return path
