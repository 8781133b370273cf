"""``forge run`` and ``forge eval``: build a config from the flags and drive a Session.

Everything a run does lives in :mod:`forge.session`; these commands only read flags,
open the session, and print its summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from forge import sanitize
from forge.cli.progress import make_bar, model_progress
from forge.config import QUICK, RunConfig, build_config, load_yaml
from forge.errors import UsageError
from forge.phases import Phase

engine_option = click.option(
    "--engine",
    default=None,
    metavar="NAME",
    help="Generation engine: auto (default: the fastest installed here), mlx, llamacpp, ...",
)

executor_option = click.option(
    "--executor",
    default=None,
    metavar="NAME",
    help="Where generation and verification run: local (default) or ray (a Ray cluster).",
)
ray_address_option = click.option(
    "--ray-address",
    default=None,
    metavar="auto|HOST:PORT",
    help="With --executor ray: the cluster to join (default: start Ray on this machine).",
)


@click.command("run")
@click.option(
    "--domain",
    "-d",
    "domain_name",
    default=None,
    metavar="NAME",
    help="Domain to improve on (default: code).",
)
@click.option(
    "--quick",
    is_flag=True,
    help="Small, fast run: 5 training + 3 held-out tasks, short search and training.",
)
@click.option(
    "--model",
    "-m",
    default=None,
    metavar="M",
    help="Registry name, mlx-lm folder or .gguf file (default: smollm2-135m).",
)
@click.option("--adapter", default=None, metavar="DIR", help="Start from this LoRA adapter.")
@click.option(
    "--tasks",
    "-t",
    "tasks_source",
    default=None,
    metavar="SRC",
    help="Task file or named set (default: the domain's built-in tasks).",
)
@click.option(
    "--heldout",
    default=None,
    metavar="FILE|FRACTION",
    help="Held-out tasks: a fraction of the tasks (e.g. 0.3) or a task file/named set.",
)
@click.option(
    "--config",
    "config_file",
    default=None,
    metavar="YAML",
    help="Config file; command-line options override it.",
)
@click.option(
    "--out",
    default="runs",
    show_default=True,
    metavar="DIR",
    help="Folder that receives the run folder.",
)
@click.option("--seed", type=int, default=None, help="Seed for the split and sampling.")
@click.option(
    "--feedback",
    type=click.Choice(["specific", "score-only"]),
    default=None,
    help="What repair prompts show.",
)
@engine_option
@executor_option
@ray_address_option
@click.option(
    "--resume",
    default=None,
    metavar="RUN_DIR",
    help="Continue an interrupted run from its last completed step.",
)
def run_cmd(
    domain_name,
    quick,
    model,
    adapter,
    tasks_source,
    heldout,
    config_file,
    out,
    seed,
    feedback,
    engine,
    executor,
    ray_address,
    resume,
) -> None:
    """Run the whole loop: BEFORE, SEARCH, PAIRS, TRAIN, AFTER, AFTER+SEARCH, with a report.

    Results go to RUN_DIR = <out>/<id>/: forge.db, pairs.jsonl, adapter/, summary.json and
    report.html. Interrupt it at any time; --resume RUN_DIR continues without losing work
    (--executor and --ray-address may change on resume: where work runs changes no result).
    """
    from forge.runs import read_config

    if resume:
        given = [
            n
            for n, v in (
                ("--domain", domain_name),
                ("--quick", quick),
                ("--model", model),
                ("--adapter", adapter),
                ("--tasks", tasks_source),
                ("--heldout", heldout),
                ("--config", config_file),
                ("--seed", seed),
                ("--feedback", feedback),
                ("--engine", engine),
            )
            if v
        ]
        if given:
            raise UsageError(
                f"--resume continues a run with its saved config; drop {', '.join(given)}."
            )
        run_dir = Path(resume)
        config = read_config(run_dir)
        _apply_executor(config, executor, ray_address)
        execute(config, run_dir)
        return
    layers: list[dict[str, Any]] = [QUICK] if quick else []
    if config_file:
        layers.append(load_yaml(config_file))
    layers.append(
        _cli_overrides(domain_name, model, adapter, tasks_source, heldout, seed, feedback, engine)
    )
    config = build_config(*layers)
    _apply_executor(config, executor, ray_address)
    execute(config, None, out=Path(out))


def _apply_executor(config: RunConfig, executor: str | None, ray_address: str | None) -> None:
    """Set ``executor.name`` / ``executor.address`` from the flags given."""
    if ray_address is not None:
        if (executor or config.executor.name) != "ray":
            raise UsageError("--ray-address needs --executor ray (or executor.name: ray).")
        config.executor.address = ray_address
    if executor:
        config.executor.name = executor


def _cli_overrides(
    domain, model, adapter, tasks, heldout, seed, feedback, engine=None
) -> dict[str, Any]:
    o: dict[str, Any] = {"model": {}, "tasks": {}, "search": {}}
    if domain:
        o["domain"] = domain
    if model:
        o["model"]["name"] = model
    if adapter:
        o["model"]["adapter"] = adapter
    if engine:
        o["model"]["engine"] = engine
    if tasks:
        o["tasks"]["source"] = tasks
    if heldout is not None:
        o["tasks"]["heldout"] = _fraction_or_source(heldout)
    if seed is not None:
        o["seed"] = seed
    if feedback:
        o["search"]["feedback"] = feedback
    return o


def _fraction_or_source(value: str) -> float | str:
    try:
        frac = float(value)
    except ValueError:
        return value
    if not 0 <= frac < 1:
        raise UsageError(
            f"--heldout {value} is not a fraction in [0, 1).",
            "Use e.g. --heldout 0.3, or a task file.",
        )
    return frac


def execute(
    config: RunConfig,
    run_dir: Path | None,
    out: Path = Path("runs"),
    plan: tuple[Phase, ...] | None = None,
) -> dict[str, Any]:
    """Open a session (fresh, or resuming ``run_dir``), run it, print its summary; return it."""
    from forge.session import Session

    with Session.open(
        config,
        run_dir,
        out=out,
        plan=plan,
        echo=sanitize.echo,
        progress=make_bar,
        model_progress=model_progress,
    ) as session:
        summary = session.run()
        print_summary(summary, session.run_dir, session.report)
    return summary


def print_summary(summary: dict[str, Any], run_dir: Path, report: Path | None) -> None:
    """Print the end-of-run summary, the run folder and the report's path."""
    from forge.report import summary_lines

    click.echo("")
    for line in summary_lines(summary):
        sanitize.echo(line)
    sanitize.echo(f"\nRun folder: {run_dir}")
    if report is not None:
        sanitize.echo(f"Report:     {report}")


@click.command("eval")
@click.option(
    "--domain", "-d", "domain_name", required=True, metavar="NAME", help="Domain of the tasks."
)
@click.option(
    "--tasks",
    "-t",
    "tasks_source",
    required=True,
    metavar="SRC",
    help="Task file or named set, e.g. 'humaneval[40:48]'.",
)
@click.option("--model", "-m", default=None, metavar="M", help="Model (default: smollm2-135m).")
@click.option("--adapter", default=None, metavar="DIR", help="LoRA adapter to evaluate with.")
@click.option(
    "--search", is_flag=True, help="Also run the evolutionary search, not only a single pass."
)
@click.option(
    "--config", "config_file", default=None, metavar="YAML", help="Config file (search settings)."
)
@click.option(
    "--out",
    default="runs",
    show_default=True,
    metavar="DIR",
    help="Folder that receives the run folder.",
)
@click.option("--seed", type=int, default=None, help="Sampling seed.")
@engine_option
@executor_option
@ray_address_option
def eval_cmd(
    domain_name,
    tasks_source,
    model,
    adapter,
    search,
    config_file,
    out,
    seed,
    engine,
    executor,
    ray_address,
) -> None:
    """Measure a model (and adapter) on tasks: a greedy single pass, and the search with --search."""
    from forge.phases import eval_plan

    layers: list[dict[str, Any]] = [load_yaml(config_file)] if config_file else []
    o = _cli_overrides(domain_name, model, adapter, tasks_source, None, seed, None, engine)
    o["tasks"]["heldout"] = 0.0
    layers.append(o)
    config = build_config(*layers)
    _apply_executor(config, executor, ray_address)
    execute(config, None, out=Path(out), plan=eval_plan(search))


COMMANDS = [run_cmd, eval_cmd]
