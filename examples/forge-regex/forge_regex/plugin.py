"""The module forge loads through the ``forge`` entry point: it registers the regex domain."""

from __future__ import annotations

from forge.hookspecs import hookimpl

from forge_regex.domain import RegexDomain


@hookimpl
def register_domains(register):
    """Give forge one RegexDomain instance (called once, when forge first needs domains)."""
    register(RegexDomain())
