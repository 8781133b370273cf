"""The ``forge`` command: the root click group, plugin commands, and error handling.

Every :class:`forge.errors.ForgeError` becomes one line on stderr (``Error: ...``) with its
exit code; no traceback reaches the user unless ``FORGE_DEBUG=1`` is set.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback

import click

from forge import __version__, sanitize
from forge.errors import ForgeError

HELP = """forge: a small local model that teaches itself anything with an automatic check.

\b
The loop: generate candidates -> verify them in a sandbox -> repair the best
with specific failure feedback -> learn from weak->strong repair pairs (LoRA)
-> measure again on held-out tasks.

\b
Start here:
  forge run --domain code --quick     the whole loop on the built-in model
  forge experiment EXPERIMENT.yaml    arms x seeds with a control, with 95% intervals
  forge domains                       installed domains
  forge verify --domain code --task fizzbuzz --candidate answer.py
  forge doctor                        what forge sees on this machine
"""


@click.group(
    help=HELP, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(__version__, prog_name="forge")
def cli() -> None:
    """Root command group."""


def _add_builtin_commands() -> None:
    from forge.cli import (
        experiment,
        export,
        info,
        models,
        plugin_new,
        report_cmd,
        run,
        tasks_cmd,
        train,
    )

    for module in (info, tasks_cmd, run, experiment, train, report_cmd, export, plugin_new):
        for command in module.COMMANDS:
            cli.add_command(command)
    cli.add_command(models.models)


def _add_plugin_commands() -> None:
    from forge.plugins import get_manager

    manager = get_manager()
    for name, plugin in manager.pm.list_name_plugin():
        try:
            manager.pm.subset_hook_caller(
                "register_commands",
                remove_plugins=[p for p in manager.pm.get_plugins() if p is not plugin],
            )(cli=cli)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - a broken plugin must not break the CLI
            manager.plugins[name].error = f"register_commands failed: {type(exc).__name__}: {exc}"


def _terminate(signum: int, frame: object) -> None:
    """Turn SIGTERM into KeyboardInterrupt so a stopped run closes its sandbox and store cleanly."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``forge`` script: run the CLI and turn errors into one line."""
    signal.signal(signal.SIGTERM, _terminate)
    _add_builtin_commands()
    _add_plugin_commands()
    try:
        code = cli.main(args=argv, prog_name="forge", standalone_mode=False)
    except ForgeError as exc:
        click.echo(f"Error: {sanitize.terminal(exc.one_line())}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo(
            "Interrupted. Verified results are saved; resume a run with 'forge run --resume RUN_DIR'.",
            err=True,
        )
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - last line of defence against tracebacks
        if os.environ.get("FORGE_DEBUG"):
            traceback.print_exc()
        click.echo(
            f"Error: internal error {type(exc).__name__}: {sanitize.text(str(exc), 500)}. "
            "Rerun with FORGE_DEBUG=1 for the traceback and report it.",
            err=True,
        )
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
