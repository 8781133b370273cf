"""``forge models {list,pull,import}``: the model registry and the local cache.

MLX is never imported here: listing reads the registry and the cache folders only, and pulling
or importing converts with numpy (the ``forge.model`` package imports MLX lazily).
"""

from __future__ import annotations

from pathlib import Path

import click

from forge.cli.progress import model_progress
from forge.errors import ModelError

HELP = """Models: list the registry, pull a registry model, import a .gguf file.

\b
Models are converted once into an MLX folder under FORGE_HOME (default ~/.cache/forge);
--model of other commands accepts a registry name, an imported name, a folder or a .gguf.
"""

models = click.Group("models", help=HELP)


def _size(n: int) -> str:
    """Human size: '98 MB'; '?' when unknown."""
    return f"{n / 1e6:.0f} MB" if n else "?"


@models.command("list")
def list_cmd() -> None:
    """List registry and imported models: name, size, source, whether cached."""
    from forge.model.registry import list_models

    rows = list_models()
    click.echo(f"{'NAME':22} {'SIZE':>7}  {'CACHED':6}  SOURCE")
    for r in rows:
        cached = "yes" if r["cached"] else "no"
        click.echo(f"{r['name']:22} {_size(r['size_bytes']):>7}  {cached:6}  {r['source']}")
        if r["note"]:
            click.echo(f"{'':22} {'':7}  {'':6}  ({r['note']})")


@models.command("pull")
@click.argument("name")
def pull_cmd(name: str) -> None:
    """Download, verify (sha256) and convert registry model NAME into the cache."""
    from forge.model.resolve import pull

    folder, ident = pull(name, model_progress)
    click.echo(f"{name}: ready at {folder} (sha256 {str(ident.get('sha256', ''))[:12]}…)")


@models.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", "name", default=None, help="Name to use with --model (default: file stem).")
def import_cmd(path: Path, name: str | None) -> None:
    """Convert the GGUF file PATH into the cache under --name."""
    from forge.model.resolve import import_gguf

    if path.suffix.lower() != ".gguf":
        raise ModelError(f"'{path}' is not a .gguf file.", "Pass a GGUF model file.")
    folder, ident = import_gguf(path, name, model_progress)
    click.echo(f"{ident['name']}: imported to {folder}; use --model {ident['name']}")
