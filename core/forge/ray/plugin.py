"""The ``ray`` entry point: registers :class:`forge.ray.executor.RayExecutor` as ``ray``.

Importing this module imports no Ray; ``forge run --executor ray`` without Ray installed
stops with the one line ``RayExecutor.missing()`` returns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from forge.hookspecs import hookimpl


@hookimpl
def register_executors(register: Callable[[Any], None]) -> None:
    """Register the Ray executor as ``ray``."""
    from forge.ray.executor import RayExecutor

    register(RayExecutor)
