"""Every hook a forge plugin can implement.

Plugins implement hooks with ``@forge.hookimpl`` on module-level functions (or methods of
an object) and register the module under the ``forge`` entry-point group. An
implementation may accept fewer arguments than the spec lists, so hooks can gain
arguments without breaking plugins. Registration hooks are called once per plugin, when
forge first needs what they register; event hooks are called through pluggy for each
plugin in turn, so ``FORGE_TRACE_HOOKS`` shows them and ``wrapper=True`` implementations
work, and a plugin that raises is warned about once without stopping the run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from forge.domain import Domain
    from forge.protocols import Engine, Executor, Trainer, Verifier
    from forge.runs import Run
    from forge.types import Candidate, Task, Verdict

hookspec = pluggy.HookspecMarker("forge")
hookimpl = pluggy.HookimplMarker("forge")


@hookspec
def register_domains(register: Callable[[Domain], None]) -> None:
    """Register domains.

    Called once, when forge first needs its domains. Call ``register(domain)`` with an
    instance of a :class:`forge.domain.Domain` subclass for each domain the plugin provides.
    A name another plugin already registered is an error naming both plugins.
    """


@hookspec
def register_verifiers(register: Callable[[str, Verifier], None]) -> None:
    """Attach extra verifiers to existing domains.

    Called once, after domains are registered. Call ``register(domain_name, verifier)``
    where ``verifier`` follows :class:`forge.protocols.Verifier`: a ``name`` attribute and a
    method ``check(task, artifact, verdict, sandbox) -> Verdict | None``. It runs after the
    domain's own verification; returning a verdict whose cases fail turns a pass into
    ``failed`` (see :func:`forge.verifiers.combine`); returning None adds nothing.
    """


@hookspec
def register_task_loaders(register: Callable[[str, Callable[[str], list[Task]]], None]) -> None:
    """Register named task sources for a domain.

    Called once, when forge first resolves a ``--tasks`` value. Call
    ``register("domain:name", loader)``; ``--tasks name`` or ``--tasks 'name[a:b]'`` with
    ``--domain domain`` then calls ``loader(spec)`` with the whole spec string (slice and
    ``?options`` included, a ``domain:`` prefix removed) and expects a list of
    :class:`forge.types.Task`. A loader's ``description`` attribute, if any, is listed by
    ``forge tasks``.
    """


@hookspec
def register_engines(register: Callable[[type[Engine]], None]) -> None:
    """Register generation engines.

    Called once, when a run first needs an engine. Call ``register(EngineClass)`` with a
    class following :class:`forge.protocols.Engine` (class attribute ``name``; class methods
    ``missing()``, ``auto_rank()`` and ``load(model, adapter=, progress=)``). ``--engine NAME``
    or ``model.engine: NAME`` selects it; ``auto`` picks the installed engine with the highest
    ``auto_rank()``. forge's MLX engine is registered this way (``forge.model.plugin``).
    """


@hookspec
def register_trainers(register: Callable[[type[Trainer]], None]) -> None:
    """Register training methods.

    Called once, when a run first trains. Call ``register(TrainerClass)`` with a class
    following :class:`forge.protocols.Trainer` (class attribute ``name``; class methods
    ``missing()`` and ``create(model, base_adapter)``; ``train(examples, out_dir, config,
    seed=, progress=)``). ``train.method: NAME`` selects it; forge's LoRA trainer is ``lora``.
    """


@hookspec
def register_executors(register: Callable[[type[Executor]], None]) -> None:
    """Register verification executors.

    Called once, when a run starts. Call ``register(ExecutorClass)`` with a class following
    :class:`forge.protocols.Executor` (class attribute ``name``; class methods ``missing()``
    and ``create(config)``; ``submit(domain, items, verifiers)``), optionally also
    :class:`forge.protocols.EngineHost` (``load_engine``: generation on its workers).
    ``executor.name: NAME`` selects it; forge's own are ``local`` (the sandbox lanes of this
    machine) and ``ray`` (a Ray cluster, ``pip install 'forge[ray]'``).
    """


@hookspec
def register_commands(cli: Any) -> None:
    """Add commands to the ``forge`` command line.

    Called once, when the CLI is built. ``cli`` is the root ``click.Group``; add commands
    with ``@cli.command()`` or ``cli.add_command(...)``.
    """


@hookspec
def run_started(run: Run) -> None:
    """Observe the start of a ``forge run``.

    Called once per session (a resumed run calls it again), after the run folder and config
    exist and before the first phase. ``run`` has ``id``, ``dir``, ``domain`` (the name),
    ``config`` and ``phases`` (the names of the planned phases). The return value is ignored.
    """


@hookspec
def phase_finished(run: Run, phase: str, stats: dict[str, Any]) -> None:
    """Observe the end of a phase (``before``, ``search``, ``pairs``, ``train``, ``after``,
    ``after_search``; in experiments also ``measure``, ``collect``, ``measure_after``; see
    :data:`forge.phases.PHASES`).

    Called once per phase, after its results are committed to the run store. ``stats`` holds
    plain data: counts such as ``passed`` and ``total``, and ``seconds``.
    """


@hookspec
def candidate_verified(run: Run, candidate: Candidate, verdict: Verdict) -> None:
    """Observe one verified candidate.

    Called for every candidate of every phase, after its verdict is stored. ``candidate``
    is a :class:`forge.types.Candidate`, ``verdict`` a :class:`forge.types.Verdict`. Keep it
    fast: it runs on the loop's thread.
    """


@hookspec
def run_finished(run: Run, summary: dict[str, Any]) -> None:
    """Observe the end of a ``forge run``.

    Called once, after ``summary.json`` and the report are written. ``summary`` is the
    same plain data as ``summary.json``.
    """
