"""Access to reasoning-gym: a guarded import, its generator registry, version and keying.

reasoning-gym imports all of its ~100 generators (numpy, sympy, matplotlib) when the package
is imported, about two seconds, so nothing here imports it until a task is generated or a
scorer runs. ``pycosat`` is a C extension without wheels that only the ``zebra_puzzles``
generator uses; when it is missing, a placeholder stands in so the other generators work and
``zebra_puzzles`` says what to install.
"""

from __future__ import annotations

import sys
import types
from functools import cache
from importlib import metadata
from typing import Any

DISTRIBUTION = "reasoning-gym"
# Generators whose item is not "Random(seed + index)": how forge-gym keys them instead.
#   single: item key k is create_dataset(seed=k, size=1)[0] (the template choice depends on seed)
#   block:  acre builds a whole batch from Random(seed); key k is item k % 100 of batch k // 100
KEYING = {"gsm_symbolic": "single", "list_functions": "single", "acre": "block"}
BLOCK = 100
# Registered by reasoning-gym but not a generator of its own.
NOT_GENERATORS = {"composite": "combines other generators; use a forge-gym YAML mixture instead"}


@cache
def version() -> str:
    """Return the installed reasoning-gym version ("" when it is not installed)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return ""


def load() -> types.ModuleType:
    """Import reasoning_gym (once) and return it; a missing pycosat gets a placeholder."""
    if "reasoning_gym" in sys.modules:
        return sys.modules["reasoning_gym"]
    try:
        import pycosat  # noqa: F401
    except ImportError:
        sys.modules["pycosat"] = _placeholder("pycosat", "zebra_puzzles")
    import reasoning_gym

    return reasoning_gym


def datasets() -> dict[str, tuple[type, type]]:
    """Return reasoning-gym's registry: generator name -> (dataset class, config class)."""
    load()
    from reasoning_gym.factory import DATASETS

    return {k: v for k, v in DATASETS.items() if k not in NOT_GENERATORS}


def curriculum(name: str) -> Any | None:
    """Return a fresh curriculum object for generator ``name``, or None when it has none."""
    load()
    from reasoning_gym.factory import CURRICULA

    cls = CURRICULA.get(name)
    return cls() if cls is not None else None


def keying(name: str) -> str:
    """Return how items of ``name`` are keyed: ``shift`` (seed + index), ``single`` or ``block``."""
    return KEYING.get(name, "shift")


def _placeholder(module: str, user: str) -> types.ModuleType:
    """A module whose every attribute raises ImportError naming what to install."""
    placeholder = types.ModuleType(module)
    message = (
        f"generator '{user}' needs the {module} package, which is not installed "
        f"(pip install {module}; it compiles a small C extension)"
    )

    def missing(*args: Any, **kwargs: Any) -> Any:
        raise ImportError(message)

    placeholder.__getattr__ = lambda attr: missing  # type: ignore[method-assign]
    placeholder.forge_gym_placeholder = True  # type: ignore[attr-defined]
    return placeholder
