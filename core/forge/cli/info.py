"""Commands that describe the installation: ``forge domains``, ``forge plugins``, ``forge doctor``."""

from __future__ import annotations

import json
import platform
import sys

import click

from forge.plugins import get_manager


def _warn_failures() -> None:
    """Print one line per plugin that failed to load, so a broken plugin is never silent."""
    for info in get_manager().failures():
        click.echo(f"Warning: plugin '{info.name}' was skipped: {info.error}", err=True)


@click.command("domains")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
def domains_cmd(as_json: bool) -> None:
    """List installed domains: name, version, description and the plugin that provides it."""
    manager = get_manager()
    reg = manager.registry()
    rows = [
        {
            "name": n,
            "version": d.version,
            "description": d.description,
            "plugin": reg.domain_owner[n],
        }
        for n, d in sorted(reg.domains.items())
    ]
    _warn_failures()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No domains installed. Install a domain plugin, or check FORGE_LOAD_PLUGINS.")
        return
    _table(rows, ["name", "version", "plugin", "description"])


@click.command("plugins")
def plugins_cmd() -> None:
    """Print installed plugins as JSON: module, distribution, hooks, what they registered, errors."""
    manager = get_manager()
    reg = manager.registry()
    out = []
    for info in sorted(manager.plugins.values(), key=lambda p: p.name):
        out.append(
            {
                "name": info.name,
                "module": info.module,
                "distribution": info.dist,
                "version": info.version,
                "hooks": info.hooks,
                "domains": sorted(n for n, o in reg.domain_owner.items() if o == info.name),
                "task_loaders": sorted(n for n, o in reg.loader_owner.items() if o == info.name),
                **{
                    f"{kind}s": sorted(
                        n for (k, n), o in reg.owners.items() if k == kind and o == info.name
                    )
                    for kind in ("engine", "trainer", "executor")
                },
                "error": info.error or None,
            }
        )
    click.echo(json.dumps(out, indent=2))


@click.command("doctor")
@click.option("--no-bench", is_flag=True, help="Skip the matmul speed measurement.")
def doctor_cmd(no_bench: bool) -> None:
    """Say what forge sees: Python, platform, MLX device and BLAS speed, sandbox layers, whether
    each domain is ready (its prerequisites), plugins."""
    lines: list[tuple[str, str]] = [
        ("python", f"{sys.version.split()[0]} ({sys.executable})"),
        ("platform", f"{platform.system()} {platform.release()} {platform.machine()}"),
    ]
    lines += _model_lines(no_bench)
    lines += _engine_lines()
    lines += _sandbox_lines()
    lines += _domain_lines()
    manager = get_manager()
    reg = manager.registry()
    ok = [
        f"{n} ({', '.join(sorted(k for k, o in reg.domain_owner.items() if o == n)) or 'no domains'})"
        for n, p in sorted(manager.plugins.items())
        if not p.error
    ]
    lines.append(("plugins", ", ".join(ok) or "none"))
    for info in manager.failures():
        lines.append(("plugin error", f"{info.name}: {info.error}"))
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        click.echo(f"{key.ljust(width)}  {value}")


def _model_lines(no_bench: bool) -> list[tuple[str, str]]:
    from forge import model

    try:
        info = model.doctor_info(bench=not no_bench)
    except Exception as exc:  # noqa: BLE001 - a broken MLX install is what doctor reports
        return [("mlx", f"unavailable: {type(exc).__name__}: {exc}")]
    return [(k, str(v)) for k, v in info.items()]


def _engine_lines() -> list[tuple[str, str]]:
    """One line per registered engine (usable or what to install), and what auto picks."""
    from forge.errors import ForgeError
    from forge.session import select_engine

    engines = get_manager().registry().engines
    lines = []
    for name, cls in sorted(engines.items()):
        missing = cls.missing()
        lines.append((f"engine {name}", f"not usable: {missing}" if missing else "ready"))
    try:
        lines.append(("engine auto", f"picks {select_engine(engines, 'auto').name}"))
    except ForgeError as exc:
        lines.append(("engine auto", exc.one_line()))
    return lines


def _domain_lines() -> list[tuple[str, str]]:
    """One line per installed domain: ready, or what it still needs (``Domain.prerequisites``)."""
    from forge.readiness import problems

    lines = []
    for name, domain in sorted(get_manager().registry().domains.items()):
        found = problems(domain)
        lines.append((f"domain {name}", f"not ready: {'; '.join(found)}" if found else "ready"))
    return lines


def _sandbox_lines() -> list[tuple[str, str]]:
    from forge.sandbox import describe_isolation

    return [("sandbox", describe_isolation())]


def _table(rows: list[dict[str, str]], cols: list[str]) -> None:
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in cols}
    click.echo("  ".join(c.upper().ljust(widths[c]) for c in cols).rstrip())
    for r in rows:
        click.echo("  ".join(str(r[c]).ljust(widths[c]) for c in cols).rstrip())


COMMANDS = [domains_cmd, plugins_cmd, doctor_cmd]
