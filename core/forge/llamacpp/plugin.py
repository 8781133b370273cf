"""Registers the llama.cpp engine with forge (entry point ``llamacpp`` in group ``forge``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from forge.hookspecs import hookimpl


@hookimpl(optionalhook=True)
def register_engines(register: Callable[[Any], None]) -> None:
    """Called once when plugins load: registers :class:`LlamaCppEngine` (name ``llamacpp``).

    ``optionalhook``: a forge without the ``register_engines`` hookspec ignores it.
    """
    from forge.llamacpp.engine import LlamaCppEngine

    register(LlamaCppEngine)
