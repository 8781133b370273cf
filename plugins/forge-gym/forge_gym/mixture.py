"""YAML mixtures: several generators, with weights and difficulties, in one task source.

```yaml
size: 150            # tasks in all (entries without their own size share it by weight)
seed: 0              # first item key of every generator (default 0)
split: train         # or heldout: the held-out key range (see forge_gym.keys)
generators:
  - name: chain_sum
    weight: 2
    difficulty: 0
  - name: basic_arithmetic
    difficulty: 1
    min_terms: 2       # any other key is a generator option, as in a spec
```

Entries of the same generator get consecutive, disjoint key ranges. Tasks are interleaved
so that any prefix of the list has about the mixture's proportions.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from forge.errors import TaskFormatError

from forge_gym.spec import Source

TOP_KEYS = ("size", "seed", "split", "difficulty", "allow_unsound", "generators")


def read(path: str | Path) -> dict[str, Any]:
    """Return the mixture in the YAML file at ``path``; raises TaskFormatError naming the file."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise TaskFormatError(f"Cannot read mixture '{p}': {exc}.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{p}:{mark.line + 1}" if mark else str(p)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise TaskFormatError(f"{where}: {problem}.", "Check the YAML syntax.") from None
    if not isinstance(data, dict):
        raise TaskFormatError(f"{p}: a mixture is a mapping with a 'generators' list.")
    return data


def sources(mixture: dict[str, Any], where: str) -> list[tuple[str, dict[str, Any]]]:
    """Return ``(generator, raw options)`` per entry, with sizes and seeds allocated."""
    for key in mixture:
        if key not in TOP_KEYS:
            close = difflib.get_close_matches(str(key), TOP_KEYS, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise TaskFormatError(
                f"{where}: unknown key '{key}'.{hint} Keys: {', '.join(TOP_KEYS)}."
            )
    entries = _entries(mixture.get("generators"), where)
    sizes = _sizes(entries, mixture.get("size"), where)
    shared = {k: mixture[k] for k in ("split", "difficulty", "allow_unsound") if k in mixture}
    next_seed: dict[str, int] = {}
    out = []
    for entry, size in zip(entries, sizes, strict=True):
        name = str(entry["name"])
        raw = {**shared, **{k: v for k, v in entry.items() if k not in ("name", "weight")}}
        raw["size"] = size
        raw.setdefault("seed", next_seed.get(name, _int(mixture.get("seed", 0), where)))
        next_seed[name] = int(raw["seed"]) + size
        out.append((name, raw))
    return out


def interleave(groups: list[list[Any]]) -> list[Any]:
    """Merge lists so that every prefix holds each list's share (stable, deterministic)."""
    tagged = [
        ((i + 0.5) / len(group), g, i, item)
        for g, group in enumerate(groups)
        for i, item in enumerate(group)
    ]
    return [item for *_, item in sorted(tagged, key=lambda t: t[:3])]


def check_disjoint(found: list[Source], keys_of: Any, where: str) -> None:
    """Raise when two entries of one generator share an item key."""
    seen: dict[str, list[range]] = {}
    for source in found:
        keys = keys_of(source)
        for other in seen.get(source.generator, []):
            if keys.start < other.stop and other.start < keys.stop:
                raise TaskFormatError(
                    f"{where}: two {source.generator} entries share item keys "
                    f"{max(keys.start, other.start)}..{min(keys.stop, other.stop) - 1}.",
                    "Drop the explicit seed of one of them (entries are laid out one after another).",
                )
        seen.setdefault(source.generator, []).append(keys)


def _entries(raw: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise TaskFormatError(f"{where}: 'generators' must be a non-empty list of entries.")
    for n, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise TaskFormatError(f"{where}: generators entry {n} needs a 'name'.")
    return raw


def _sizes(entries: list[dict[str, Any]], total: Any, where: str) -> list[int]:
    """Give entries without a size their share of ``total`` by weight (largest remainder)."""
    fixed = [_int(e["size"], where) if "size" in e else None for e in entries]
    open_ = [k for k, s in enumerate(fixed) if s is None]
    if not open_:
        return [int(s) for s in fixed]  # type: ignore[arg-type]
    if total is None:
        raise TaskFormatError(f"{where}: give a total 'size', or a 'size' for every generator.")
    left = _int(total, where) - sum(s for s in fixed if s is not None)
    weights = [_weight(entries[k], where) for k in open_]
    if left < len(open_):
        raise TaskFormatError(f"{where}: size {total} is too small for {len(entries)} entries.")
    shares = [left * w / sum(weights) for w in weights]
    counts = [max(1, int(s)) for s in shares]
    order = sorted(range(len(open_)), key=lambda k: shares[k] - int(shares[k]), reverse=True)
    for k in order[: max(0, left - sum(counts))]:
        counts[k] += 1
    while sum(counts) > left:  # tiny shares were rounded up to one task each
        counts[counts.index(max(counts))] -= 1
    for k, count in zip(open_, counts, strict=True):
        fixed[k] = count
    return [int(s) for s in fixed]  # type: ignore[arg-type]


def _weight(entry: dict[str, Any], where: str) -> float:
    weight = entry.get("weight", 1)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight <= 0:
        raise TaskFormatError(f"{where}: weight of {entry['name']} must be a positive number.")
    return float(weight)


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TaskFormatError(f"{where}: sizes and seeds are whole numbers >= 0, not {value!r}.")
    return value
