"""forge-gym's hooks: the ``gym`` domain, a task source per generator, ``forge gym``, sweep logs."""

from __future__ import annotations

from typing import Any

from forge.hookspecs import hookimpl

from forge_gym.domain import GymDomain


@hookimpl
def register_domains(register: Any) -> None:
    """Register the gym domain (reasoning-gym is imported only when tasks are made)."""
    register(GymDomain())


@hookimpl
def register_task_loaders(register: Any) -> None:
    """Register ``gym:NAME`` for every generator in the catalogue, and ``gym:mix``."""
    from forge_gym import catalog, sources

    for name in sorted(catalog.generators()):
        register(f"gym:{name}", _loader(name))
    register("gym:mix", sources.load_mix_spec)


@hookimpl
def register_commands(cli: Any) -> None:
    """Add ``forge gym`` (families, check, sweep)."""
    from forge_gym.commands import gym

    cli.add_command(gym)


@hookimpl
def candidate_verified(run: Any, candidate: Any, verdict: Any) -> None:
    """Log each gym verdict to ``$FORGE_GYM_SWEEP_LOG`` when set (``forge gym sweep`` reads it)."""
    from forge_gym import sweep

    sweep.log_verdict(run, candidate, verdict)


def _loader(name: str) -> Any:
    from forge_gym import catalog, sources

    def load(spec: str) -> list[Any]:
        return sources.load_spec(spec)

    info = catalog.generators()[name]
    unsound = (
        ""
        if info["sound"]
        else "UNSOUND, excluded (allow_unsound=1): " + "; ".join(info["failed"]) + ". "
    )
    load.description = unsound + catalog.knobs_line(name)  # type: ignore[attr-defined]
    return load
