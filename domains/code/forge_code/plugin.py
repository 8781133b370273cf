"""Plugin module for the ``code`` domain, registered under the ``forge`` entry-point group."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from forge.hookspecs import hookimpl
from forge_code.domain import CodeDomain


@hookimpl
def register_domains(register: Callable[[Any], None]) -> None:
    """Register the ``code`` domain."""
    register(CodeDomain())


@hookimpl
def register_task_loaders(register: Callable[[str, Callable[[str], list[Any]]], None]) -> None:
    """Register ``code:humaneval`` (``--tasks humaneval``, ``'humaneval[40:48]'``)."""
    from forge_code.humaneval.loader import load_humaneval

    register("code:humaneval", load_humaneval)
