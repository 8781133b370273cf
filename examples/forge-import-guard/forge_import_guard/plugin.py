"""The module forge loads through the ``forge`` entry point: it attaches the guard to ``code``."""

from __future__ import annotations

from forge.hookspecs import hookimpl

from forge_import_guard.guard import ImportGuard


@hookimpl
def register_verifiers(register):
    """Attach :class:`ImportGuard` to the ``code`` domain (called once, after domains register)."""
    register("code", ImportGuard())
