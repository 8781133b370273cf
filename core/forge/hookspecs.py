"""Every hook a forge plugin can implement.

Plugins implement hooks with ``@forge.hookimpl`` on module-level functions (or methods of
an object) and register the module under the ``forge`` entry-point group. An
implementation may accept fewer arguments than the spec lists, so hooks can gain
arguments without breaking plugins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("forge")
hookimpl = pluggy.HookimplMarker("forge")


@hookspec
def register_domains(register: Callable[[Any], None]) -> None:
    """Register domains.

    Called once, when forge first needs its domains. Call ``register(domain)`` with an
    instance of a :class:`forge.domain.Domain` subclass for each domain the plugin provides.
    A name another plugin already registered is an error naming both plugins.
    """


@hookspec
def register_verifiers(register: Callable[[str, Any], None]) -> None:
    """Attach extra verifiers to existing domains.

    Called once, after domains are registered. Call ``register(domain_name, verifier)``
    where ``verifier`` has a ``name`` attribute and a method
    ``check(task, artifact, verdict, sandbox) -> Verdict | None``. It runs after the
    domain's own verification; returning a verdict whose cases fail turns a pass into
    ``failed`` (see :func:`forge.verifiers.combine`); returning None adds nothing.
    """


@hookspec
def register_task_loaders(register: Callable[[str, Callable[[str], list[Any]]], None]) -> None:
    """Register named task sources for a domain.

    Called once, when forge first resolves a ``--tasks`` value. Call
    ``register("domain:name", loader)``; ``--tasks name`` or ``--tasks 'name[a:b]'`` with
    ``--domain domain`` then calls ``loader(spec)`` with the whole spec string (slice
    included) and expects a list of :class:`forge.types.Task`.
    """


@hookspec
def register_commands(cli: Any) -> None:
    """Add commands to the ``forge`` command line.

    Called once, when the CLI is built. ``cli`` is the root ``click.Group``; add commands
    with ``@cli.command()`` or ``cli.add_command(...)``.
    """


@hookspec
def run_started(run: Any) -> None:
    """Observe the start of a ``forge run``.

    Called once, after the run folder and config exist and before the first phase.
    ``run`` has ``id``, ``dir``, ``domain`` (the name) and ``config``. The return value is ignored.
    """


@hookspec
def phase_finished(run: Any, phase: str, stats: dict[str, Any]) -> None:
    """Observe the end of a phase (``before``, ``search``, ``pairs``, ``train``, ``after``, ``after_search``).

    Called once per phase, after its results are committed to the run store. ``stats`` holds
    plain data: counts such as ``passed`` and ``total``, and ``seconds``.
    """


@hookspec
def candidate_verified(run: Any, candidate: Any, verdict: Any) -> None:
    """Observe one verified candidate.

    Called for every candidate of every phase, after its verdict is stored. ``candidate``
    is a :class:`forge.types.Candidate`, ``verdict`` a :class:`forge.types.Verdict`. Keep it
    fast: it runs on the loop's thread.
    """


@hookspec
def run_finished(run: Any, summary: dict[str, Any]) -> None:
    """Observe the end of a ``forge run``.

    Called once, after ``summary.json`` and the report are written. ``summary`` is the
    same plain data as ``summary.json``.
    """
