"""Item keys: which reasoning-gym items a Source covers, and why train and held-out never meet.

reasoning-gym seeds item ``i`` of ``create_dataset(seed=s)`` with ``Random(s + i)``, so
``seed=10`` item 3 *is* ``seed=13`` item 0. forge-gym therefore names every item by its
absolute key ``s + i`` (task id ``chain_sum@13``) and keeps two ranges apart:

* training keys: ``0 <= key < HELDOUT_BASE`` (``split=train``, the default);
* held-out keys: ``HELDOUT_BASE + seed ...`` (``split=heldout``).

A training Source that would reach the held-out range is refused, so a training spec and a
``split=heldout`` spec are disjoint by construction, whatever their seeds and sizes.
"""

from __future__ import annotations

from forge.errors import TaskFormatError

from forge_gym.spec import Source

HELDOUT_BASE = 1_000_000


def key_range(source: Source) -> range:
    """Return the absolute item keys ``source`` covers; raises when train reaches held-out."""
    base = HELDOUT_BASE if source.split == "heldout" else 0
    keys = range(base + source.seed, base + source.seed + source.size)
    if source.split == "train" and keys.stop > HELDOUT_BASE:
        raise TaskFormatError(
            f"gym:{source.generator}: seed {source.seed} + size {source.size} reaches the "
            f"held-out keys (>= {HELDOUT_BASE:,}).",
            f"Keep seed + size <= {HELDOUT_BASE:,} for training, or add split=heldout.",
        )
    return keys


def task_id(generator: str, key: int) -> str:
    """Return the task id of item ``key`` of ``generator``: ``chain_sum@13``."""
    return f"{generator}@{key}"


def parse_task_id(task_id_: str) -> tuple[str, int] | None:
    """Return ``(generator, key)`` for a gym task id, or None when it is not one."""
    generator, sep, key = task_id_.rpartition("@")
    return (generator, int(key)) if sep and key.isdigit() else None
