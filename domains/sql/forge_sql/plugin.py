"""Plugin module for forge's built-in ``sql`` domain (entry point ``sql = "forge_sql.plugin"``).

It registers exactly as a third-party plugin would: module-level hook implementations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from forge.hookspecs import hookimpl
from forge_sql.domain import SqlDomain


@hookimpl
def register_domains(register: Callable[[Any], None]) -> None:
    """Register the ``sql`` domain."""
    register(SqlDomain())


@hookimpl
def register_task_loaders(register: Callable[[str, Callable[[str], list[Any]]], None]) -> None:
    """Register ``sql:builtin`` (the built-in tasks; ``builtin[a:b]`` takes a slice)."""
    register("sql:builtin", load_builtin_spec)


def load_builtin_spec(spec: str) -> list[Any]:
    """Return the built-in tasks selected by ``spec`` (``builtin`` or ``builtin[a:b]``)."""
    from forge_sql.tasks import load_builtin, slice_spec

    _name, part = slice_spec(spec)
    return load_builtin()[part]
