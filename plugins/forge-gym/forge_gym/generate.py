"""Turn a :class:`Source` into forge Tasks, on the trusted side (generation runs library code only).

Each task records everything needed to regenerate and re-score it: the generator, its item
key, the fully resolved reasoning-gym config, the curriculum level and the reasoning-gym
version (``Task.data``), and the canonical spec (``Task.source``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import io
import typing
from typing import Any

from forge.errors import TaskFormatError
from forge.types import Task

from forge_gym import forms, keys, rg
from forge_gym.plain import plain
from forge_gym.spec import Source

DOMAIN = "gym"


def resolve_config(source: Source) -> dict[str, Any]:
    """Return the generator's config arguments for ``source``; raises TaskFormatError when invalid."""
    name = source.generator
    try:
        args = config_args(name, source.difficulty, source.options)
        config = rg.datasets()[name][1](**args, seed=0, size=1)
        if hasattr(config, "validate"):
            config.validate()
    except TaskFormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - any rejection by the generator is bad input
        shown = ", ".join(f"{k}={v}" for k, v in sorted(source.options.items())) or "defaults"
        why = str(exc) or "rejected by the generator's validate()"
        raise TaskFormatError(
            f"gym:{name}: these options are not valid ({shown}): {why}."
        ) from None
    return args


def config_args(name: str, difficulty: int | None, options: dict[str, Any]) -> dict[str, Any]:
    """Return the config arguments: the curriculum at ``difficulty``, then ``options`` on top.

    Used on both sides: the trusted side generates with them, and the sandboxed scorer
    rebuilds the same config from the task's (plain) difficulty and options.
    """
    args = level_config(name, difficulty) if difficulty is not None else {}
    config_cls = rg.datasets()[name][1]
    hints = _hints(config_cls)
    for key, value in options.items():
        kind = hints.get(key)
        is_enum = isinstance(kind, type) and issubclass(kind, enum.Enum)
        args[key] = kind(value) if is_enum and not isinstance(value, kind) else value
    return args


def _hints(config_cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(config_cls)
    except Exception:  # noqa: BLE001 - unresolvable annotations: no conversions
        return {}


def level_config(name: str, level: int) -> dict[str, Any]:
    """Return the config fields of ``name``'s curriculum at ``level`` (each knob at that level)."""
    from reasoning_gym.coaching.base_curriculum import (
        DefaultCurriculumContext,
        RangeAttributeMode,
    )

    curriculum = rg.curriculum(name)
    if curriculum is None:
        raise TaskFormatError(
            f"gym:{name} has no difficulty levels.", "Set its options instead (forge gym families)."
        )
    top = max_level(curriculum)
    if level > top:
        raise TaskFormatError(f"gym:{name}: difficulty must be 0 to {top}, not {level}.")
    curriculum.set_global_level(level)
    context = DefaultCurriculumContext(mode=RangeAttributeMode.UPPER_BOUND)
    config = curriculum.generate_configuration({}, context)
    return {
        f.name: getattr(config, f.name)
        for f in dataclasses.fields(config)
        if f.name not in ("seed", "size")
    }


def max_level(curriculum: Any) -> int:
    """Return the highest curriculum level of any knob (0 when it has no knobs)."""
    return max((len(a.levels) - 1 for a in curriculum.attributes.values()), default=0)


def config_record(name: str, args: dict[str, Any]) -> dict[str, Any]:
    """Return the full config ``args`` give (defaults included) as plain data, for the record."""
    config = rg.datasets()[name][1](**args, seed=0, size=1)
    return {
        f.name: plain(getattr(config, f.name))
        for f in dataclasses.fields(config)
        if f.name not in ("seed", "size")
    }


def generate(source: Source) -> list[Task]:
    """Return the tasks of ``source``, in key order; raises TaskFormatError with a reason."""
    config = resolve_config(source)
    key_range = keys.key_range(source)
    entries = _entries(source.generator, config, key_range)
    spec, record = source.spec(), config_record(source.generator, config)
    return [
        _task(source, record, key, entry, spec)
        for key, entry in zip(key_range, entries, strict=True)
    ]


def _entries(name: str, config: dict[str, Any], key_range: range) -> list[dict[str, Any]]:
    """Generate the items for ``key_range`` (quietly: some generators print while they work)."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return [plain(e) for e in _items(name, config, key_range)]
    except TaskFormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - generation failures are reported, not raised
        raise TaskFormatError(
            f"gym:{name}: generating items {key_range.start}..{key_range.stop - 1} failed: "
            f"{type(exc).__name__}: {exc}"
        ) from None


def _items(name: str, config: dict[str, Any], key_range: range) -> list[dict[str, Any]]:
    import reasoning_gym

    mode = rg.keying(name)
    if mode == "single":
        return [reasoning_gym.create_dataset(name, **config, seed=k, size=1)[0] for k in key_range]
    if mode == "block":
        blocks: dict[int, Any] = {}
        out = []
        for k in key_range:
            block = k // rg.BLOCK
            if block not in blocks:
                blocks[block] = reasoning_gym.create_dataset(
                    name, **config, seed=block, size=rg.BLOCK
                )
            out.append(blocks[block][k % rg.BLOCK])
        return out
    dataset = reasoning_gym.create_dataset(
        name, **config, seed=key_range.start, size=len(key_range)
    )
    return [dataset[i] for i in range(len(key_range))]


def _task(source: Source, config: dict[str, Any], key: int, entry: dict, spec: str) -> Task:
    answer = entry.get("answer")
    data = {
        "generator": source.generator,
        "key": key,
        "split": source.split,
        "difficulty": source.difficulty,
        "options": dict(source.options),
        "config": config,
        "reasoning_gym": rg.version(),
        "answer": answer,
        "metadata": entry.get("metadata", {}),
        "form": forms.describe(answer).to_dict() if isinstance(answer, str) else None,
    }
    return Task(
        id=keys.task_id(source.generator, key),
        domain=DOMAIN,
        prompt=str(entry["question"]),
        data=data,
        difficulty=(source.difficulty or 0) + 1,
        source=spec,
    )
