"""Task-source specs: ``chain_sum?size=50&seed=100&difficulty=1&min_terms=2`` -> a :class:`Source`.

Reserved keys: ``size`` (how many items), ``seed`` (the first item key), ``difficulty`` (a
curriculum level, 0 = easiest), ``split`` (``train`` or ``heldout``: held-out keys live in
their own range, see :mod:`forge_gym.keys`) and ``allow_unsound`` (1 = allow a generator the
conformance check marked unsound). Every other key is a reasoning-gym config field of the
generator, coerced to that field's type.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import json
import types
import typing
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from forge.errors import TaskFormatError

RESERVED = ("size", "seed", "difficulty", "split", "allow_unsound")
SPLITS = ("train", "heldout")
DEFAULT_SIZE = 20
MAX_SIZE = 100_000


@dataclass(frozen=True)
class Source:
    """One generator's slice of tasks: which items (keys) with which options."""

    generator: str
    size: int = DEFAULT_SIZE
    seed: int = 0
    difficulty: int | None = None
    split: str = "train"
    allow_unsound: bool = False
    options: dict[str, Any] = field(default_factory=dict)

    def spec(self) -> str:
        """Return the canonical spec string (what Task.source records)."""
        parts = [f"size={self.size}", f"seed={self.seed}"]
        if self.difficulty is not None:
            parts.append(f"difficulty={self.difficulty}")
        if self.split != "train":
            parts.append(f"split={self.split}")
        parts += [f"{k}={_show(v)}" for k, v in sorted(self.options.items())]
        return f"gym:{self.generator}?{'&'.join(parts)}"


def split_spec(spec: str) -> tuple[str, str | None, str]:
    """Split ``name[sel]?query`` into ``(name, selection, query)``; raises for garbage."""
    from forge.tasks import parse_spec

    head, _, query = spec.partition("?")
    name, selection = parse_spec(head)
    return name, selection, query


def parse_query(query: str, where: str) -> dict[str, str]:
    """Return the ``key=value`` pairs of ``query``; a pair without ``=`` or a repeat is an error."""
    pairs: dict[str, str] = {}
    for part in filter(None, query.split("&")):
        if "=" not in part:
            raise TaskFormatError(f"{where}: option '{part}' has no value.", "Write key=value.")
        key, value = parse_qsl(part, keep_blank_values=True)[0]
        if key in pairs:
            raise TaskFormatError(f"{where}: option '{key}' is given twice.")
        pairs[key] = value
    return pairs


def make_source(generator: str, raw: dict[str, Any], where: str) -> Source:
    """Return the Source for ``generator`` with options ``raw`` (strings or YAML values)."""
    from forge_gym import rg

    config_cls = rg.datasets()[generator][1]
    known = {f.name: f for f in dataclasses.fields(config_cls) if f.name not in ("seed", "size")}
    options = {}
    for key, value in raw.items():
        if key in RESERVED:
            continue
        if key not in known:
            raise _unknown_option(generator, key, known, where)
        options[key] = coerce(value, _field_type(config_cls, known[key]), f"{where}: {key}")
    return Source(
        generator=generator,
        size=_int(raw.get("size", DEFAULT_SIZE), "size", where, 1, MAX_SIZE),
        seed=_int(raw.get("seed", 0), "seed", where, 0, None),
        difficulty=None
        if raw.get("difficulty") in (None, "")
        else _int(raw["difficulty"], "difficulty", where, 0, None),
        split=_split(raw.get("split", "train"), where),
        allow_unsound=_flag(raw.get("allow_unsound", False), where),
        options=options,
    )


def coerce(value: Any, kind: Any, where: str) -> Any:
    """Return ``value`` (a string from a spec, or a YAML value) as type ``kind``."""
    if not isinstance(value, str):
        return value
    origin = typing.get_origin(kind)
    args = [a for a in typing.get_args(kind) if a is not type(None)]
    if origin in (typing.Union, types.UnionType):
        if value.lower() in ("none", "null") and type(None) in typing.get_args(kind):
            return None
        kind = args[0] if len(args) == 1 else Any
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        values = [str(m.value) for m in kind]
        if value not in values:
            raise TaskFormatError(f"{where}: '{value}' is not one of {', '.join(values)}.")
        return value  # plain here; generate.config_args makes it the enum
    try:
        if kind is bool:
            return _flag(value, where)
        if kind in (int, float):
            return kind(value)
        if kind is str:
            return value
        return json.loads(value)
    except (ValueError, TypeError):
        name = getattr(kind, "__name__", str(kind))
        raise TaskFormatError(
            f"{where}: '{value}' is not a valid {name}.",
            "Lists and tuples are written as JSON, e.g. [1,2].",
        ) from None


def _field_type(config_cls: type, f: dataclasses.Field) -> Any:
    try:
        return typing.get_type_hints(config_cls).get(f.name, Any)
    except Exception:  # noqa: BLE001 - an unresolvable annotation: fall back to the default's type
        default = f.default if f.default is not dataclasses.MISSING else None
        return type(default) if default is not None else Any


def _unknown_option(generator: str, key: str, known: dict, where: str) -> TaskFormatError:
    names = sorted([*known, *RESERVED])
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    hint = f"Did you mean '{close[0]}'? " if close else ""
    return TaskFormatError(
        f"{where}: unknown option '{key}' for generator '{generator}'. {hint}"
        f"Options: {', '.join(names)}."
    )


def _int(value: Any, key: str, where: str, low: int, high: int | None) -> int:
    try:
        number = int(value)
        if isinstance(value, float) and number != value:
            raise ValueError
    except (TypeError, ValueError):
        raise TaskFormatError(f"{where}: {key} must be a whole number, not '{value}'.") from None
    if number < low or (high is not None and number > high):
        top = f" and {high}" if high is not None else " or more"
        raise TaskFormatError(f"{where}: {key} must be {low}{top}, not {number}.")
    return number


def _split(value: Any, where: str) -> str:
    if value not in SPLITS:
        raise TaskFormatError(f"{where}: split must be train or heldout, not '{value}'.")
    return str(value)


def _flag(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes"):
        return True
    if text in ("0", "false", "no", ""):
        return False
    raise TaskFormatError(f"{where}: '{value}' is not a yes/no value; use 1 or 0.")


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
