"""``forge new-plugin NAME``: write a new domain plugin package from forge's template.

The template (``forge/plugin_template``) is a complete, working plugin: a pyproject with the
``forge`` entry point, a domain that checks answers through the sandbox, three tasks, and
tests built on :class:`forge.testing.DomainContract`. It installs, registers and passes its
own tests out of the box; the author then replaces the parts.
"""

from __future__ import annotations

import re
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import click

from forge.errors import UsageError

_NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")
SUFFIX = ".tmpl"


def template_values(name: str) -> dict[str, str]:
    """Return the placeholder values for plugin ``name`` (``haiku`` or ``forge-haiku``).

    Raises :class:`UsageError` for a name that is not a lowercase identifier.
    """
    short = name.removeprefix("forge-").removeprefix("forge_")
    if not _NAME.match(short):
        raise UsageError(
            f"Plugin name '{name}' is not usable.",
            "Use lowercase letters, digits and single hyphens, starting with a letter (e.g. haiku).",
        )
    words = re.split(r"[-_]", short)
    return {
        "name": short,
        "dist": f"forge-{short.replace('_', '-')}",
        "package": f"forge_{short.replace('-', '_')}",
        "klass": "".join(w.capitalize() for w in words) + "Domain",
    }


def render(name: str, parent: Path) -> Path:
    """Write the plugin package for ``name`` under ``parent`` and return its folder.

    Raises :class:`UsageError` when the folder already exists and is not empty.
    """
    values = template_values(name)
    dest = parent / values["dist"]
    if dest.exists() and any(dest.iterdir()):
        raise UsageError(f"Folder '{dest}' already exists and is not empty.", "Pick another --dir.")
    root = resources.files("forge") / "plugin_template"
    for source, rel in _walk(root, ""):
        target = dest / _fill(rel.removesuffix(SUFFIX), values)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_fill(source.read_text(encoding="utf-8"), values), encoding="utf-8")
    return dest


def _walk(folder: Traversable, prefix: str) -> list[tuple[Traversable, str]]:
    """Return every template file under ``folder`` with its relative path."""
    out = []
    for item in sorted(folder.iterdir(), key=lambda t: t.name):
        rel = f"{prefix}{item.name}"
        if item.is_dir():
            out += _walk(item, rel + "/")
        elif item.name.endswith(SUFFIX):
            out.append((item, rel))
    return out


def _fill(text: str, values: dict[str, str]) -> str:
    """Replace every ``{{key}}`` in ``text``."""
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


@click.command("new-plugin")
@click.argument("name")
@click.option(
    "--dir",
    "parent",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to create the plugin's folder in.",
)
def new_plugin_cmd(name: str, parent: Path) -> None:
    """Write a new domain plugin package NAME (forge-NAME/) that installs and passes its tests.

    \b
    Then:
      cd forge-NAME && pip install -e '.[test]' && pytest
      forge domains    lists NAME
    """
    dest = render(name, parent)
    values = template_values(name)
    click.echo(f"Created {dest}/ (plugin '{values['name']}', package {values['package']}).")
    click.echo(f"Next: cd {dest} && pip install -e '.[test]' && pytest")


COMMANDS = [new_plugin_cmd]
