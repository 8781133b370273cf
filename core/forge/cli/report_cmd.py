"""``forge report``: rebuild a run's report.html and print its summary (finished or not)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("report")
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
def report_cmd(run_dir: Path) -> None:
    """Rebuild RUN_DIR/report.html and print the run's summary (works for unfinished runs too)."""
    from forge.cli.run import print_summary
    from forge.report import load_summary, render

    summary = load_summary(run_dir)
    if summary.get("partial"):
        click.echo(
            f"Note: the run did not finish ({', '.join(summary['partial'])} cut off); "
            f"continue it with 'forge run --resume {run_dir}'."
        )
    print_summary(summary, run_dir, render(run_dir))


COMMANDS = [report_cmd]
