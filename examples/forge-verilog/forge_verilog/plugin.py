"""The module forge loads through the ``forge`` entry point: it registers the Verilog domain."""

from __future__ import annotations

from forge.hookspecs import hookimpl

from forge_verilog.domain import VerilogDomain


@hookimpl
def register_domains(register):
    """Give forge one VerilogDomain instance (called once, when forge first needs domains)."""
    register(VerilogDomain())
