"""The generator catalogue: names, difficulty knobs and soundness, shipped as ``catalog.json``.

``catalog.json`` is written by ``forge gym check --write`` from the installed reasoning-gym
(the conformance check of :mod:`forge_gym.conformance` plus each curriculum's knobs), so
forge can list generators and register their task sources without importing reasoning-gym
(about two seconds). The test suite recomputes it and fails when it is stale.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from forge.errors import TaskFormatError, UnknownNameError

CATALOG = "catalog.json"


@cache
def catalog() -> dict[str, Any]:
    """Return the shipped catalogue: ``{"reasoning_gym": version, "generators": {name: info}}``."""
    text = resources.files("forge_gym").joinpath(CATALOG).read_text("utf-8")
    return json.loads(text)


def generators() -> dict[str, dict[str, Any]]:
    """Return every generator's catalogue entry, by name (sound or not)."""
    return catalog()["generators"]


def sound_names() -> list[str]:
    """Return the generators that passed the conformance check, sorted."""
    return sorted(n for n, g in generators().items() if g["sound"])


def check_known(name: str) -> None:
    """Raise a one-line error (with the closest name) unless ``name`` is a generator."""
    if name not in generators():
        raise UnknownNameError("generator", name, generators(), label="Generators")


def check_sound(name: str, allow_unsound: bool) -> None:
    """Raise a one-line error when ``name`` failed the conformance check (unless allowed)."""
    info = generators()[name]
    if not info["sound"] and not allow_unsound:
        raise TaskFormatError(
            f"gym:{name} is excluded: its scorer failed the conformance check "
            f"({'; '.join(info['failed'])}).",
            "See docs/domains/gym.md; add allow_unsound=1 to use it anyway.",
        )


def knobs_line(name: str) -> str:
    """Return one line describing ``name``'s difficulty knobs, e.g. ``levels 0-3: num_terms 2/3/4/5``."""
    info = generators()[name]
    if not info["knobs"]:
        return "no difficulty levels (set its options)"
    parts = [_knob(knob, levels) for knob, levels in info["knobs"].items()]
    return f"levels 0-{info['levels']}: " + ", ".join(parts)


def _knob(knob: str, levels: list[Any]) -> str:
    """``num_terms 2/3/4/5``, or ``task_type_weights (9 settings)`` for lists and long values."""
    shown = [_short(v) for v in levels]
    if any(len(t) > 8 for t in shown):
        return f"{knob} ({len(levels)} settings)"
    return f"{knob} {'/'.join(shown)}"


def knobs_of(name: str) -> dict[str, list[Any]]:
    """Return the curriculum knobs of ``name`` from reasoning-gym: knob -> values per level."""
    from forge_gym import rg

    curriculum = rg.curriculum(name)
    if curriculum is None:
        return {}
    return {
        attr.name: [_plain_level(v) for v in attr.levels] for attr in curriculum.attributes.values()
    }


def _plain_level(value: Any) -> Any:
    from forge_gym.plain import plain

    value = plain(value)
    return list(value) if isinstance(value, (tuple, set, frozenset)) else value


def _short(value: Any) -> str:
    return json.dumps(value, separators=(",", ":")) if not isinstance(value, str) else value
