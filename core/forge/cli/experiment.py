"""``forge experiment``: run (or continue) an experiment of arms x seeds, or rebuild its report.

Everything an experiment does lives in :mod:`forge.experiment`; this command only finds the
folder, runs it and prints the table.
"""

from __future__ import annotations

from pathlib import Path

import click

from forge.cli.progress import make_bar, model_progress
from forge.errors import UsageError


@click.command("experiment")
@click.argument("config_file", required=False, metavar="CONFIG.yaml")
@click.option(
    "--out",
    default="experiments",
    show_default=True,
    metavar="DIR",
    help="Folder that receives the experiment folder (<out>/<name>/).",
)
@click.option(
    "--resume",
    default=None,
    metavar="DIR",
    help="Continue the experiment in DIR with the config it was started with.",
)
@click.option(
    "--report",
    "report_only",
    is_flag=True,
    help="Only rebuild summary.json, table.txt and report.html from what has finished.",
)
def experiment_cmd(config_file, out, resume, report_only) -> None:
    """Run an experiment: base, trained, control and variant arms, each over several seeds.

    Writes <out>/<name>/: one run folder per seed and arm, summary.json, table.txt and
    report.html (means with 95% intervals, and each arm's difference from the base arm).
    Running the same CONFIG.yaml again, or --resume DIR, continues where it stopped.
    """
    from forge.experiment.config import load_experiment
    from forge.experiment.runner import read_experiment, run_experiment
    from forge.experiment.summary import write_outputs

    if bool(config_file) == bool(resume):
        raise UsageError(
            "Give an experiment file or --resume DIR (one of them).",
            "E.g. forge experiment examples/experiments/gym.yaml",
        )
    if resume:
        folder = Path(resume)
        exp = read_experiment(folder)
    else:
        exp = load_experiment(Path(config_file))
        folder = Path(out) / exp.name
    if report_only:
        if not (folder / "experiment.yaml").is_file():
            raise UsageError(f"'{folder}' holds no experiment yet.", "Run it first.")
        write_outputs(exp, folder, click.echo)
        return
    run_experiment(exp, folder, click.echo, progress=make_bar, model_progress=model_progress)


COMMANDS = [experiment_cmd]
