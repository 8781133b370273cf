"""``forge run``, ``forge eval``, ``forge train`` and ``forge report``: the loop's commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from forge.cli.common import get_domain, resolve_tasks
from forge.cli.progress import make_bar, model_progress
from forge.config import QUICK, RunConfig, build_config, load_yaml
from forge.errors import UsageError
from forge.types import Task


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
    resume,
) -> None:
    """Run the whole loop: BEFORE, SEARCH, PAIRS, TRAIN, AFTER (+ search), with a report.

    Results go to RUN_DIR = <out>/<id>/: forge.db, pairs.jsonl, adapter/, summary.json and
    report.html. Interrupt it at any time; --resume RUN_DIR continues without losing work.
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
            )
            if v
        ]
        if given:
            raise UsageError(
                f"--resume continues a run with its saved config; drop {', '.join(given)}."
            )
        run_dir = Path(resume)
        config = read_config(run_dir)
        execute(config, run_dir, resumed=True)
        return
    layers: list[dict[str, Any]] = [QUICK] if quick else []
    if config_file:
        layers.append(load_yaml(config_file))
    layers.append(
        _cli_overrides(domain_name, model, adapter, tasks_source, heldout, seed, feedback)
    )
    config = build_config(*layers)
    execute(config, None, out=Path(out))


def _cli_overrides(domain, model, adapter, tasks, heldout, seed, feedback) -> dict[str, Any]:
    o: dict[str, Any] = {"model": {}, "tasks": {}, "search": {}}
    if domain:
        o["domain"] = domain
    if model:
        o["model"]["name"] = model
    if adapter:
        o["model"]["adapter"] = adapter
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


def prepare_tasks(config: RunConfig) -> tuple[list[Task], list[Task]]:
    """Load, split and limit the tasks named by ``config`` (same result on every call)."""
    from forge.loop import split_tasks
    from forge.tasks import check_unique

    domain = get_domain(config.domain)
    tasks = resolve_tasks(domain, config.tasks.source)
    check_unique(tasks, config.tasks.source or f"the built-in {domain.name} tasks")
    held = config.tasks.heldout
    held_arg = held if isinstance(held, float) else resolve_tasks(domain, held)
    train, heldout = split_tasks(tasks, held_arg, config.seed)
    if config.tasks.limit is not None:
        train = train[: config.tasks.limit]
    if config.tasks.heldout_limit is not None:
        heldout = heldout[: config.tasks.heldout_limit]
    if not train and not heldout:
        raise UsageError("No tasks to run.", "Check --tasks and the task limits in the config.")
    return train, heldout


def execute(
    config: RunConfig,
    run_dir: Path | None,
    out: Path = Path("runs"),
    resumed: bool = False,
    phases: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """Create or reopen a run folder, run the loop in it, write summary and report; return the summary."""
    from forge import model as fm
    from forge.loop import PHASES, run_loop
    from forge.phases import Context
    from forge.plugins import get_manager
    from forge.runs import Run, RunLock, new_run_dir, open_store, write_config, write_json
    from forge.sandbox import Sandbox

    domain = get_domain(config.domain)
    train, heldout = prepare_tasks(config)
    lm = None
    if run_dir is None:
        # Load the model first, so a bad --model or --adapter leaves no empty run folder.
        lm = fm.load(config.model.name, adapter=config.model.adapter, progress=model_progress)
        run_dir = new_run_dir(out, domain.name)
        write_config(run_dir, config)
    with RunLock(run_dir):
        store = open_store(run_dir, config)
        _check_same_tasks(store, train, heldout)
        phases = tuple(store.get_meta("phase_list") or phases or PHASES)
        store.set_meta("phase_list", list(phases))
        counts = (
            f"{len(train)} training + {len(heldout)} held-out tasks"
            if "train" in phases
            else f"{len(train) + len(heldout)} tasks (evaluation: {', '.join(phases)})"
        )
        click.echo(
            f"forge run {run_dir.name}: domain {domain.name} v{domain.version}, {counts}"
            + (" (resumed)" if resumed else "")
        )
        if lm is None:
            trained = store.phase_status("train") == "done"
            adapter = store.get_meta("adapter") if trained else None
            lm = fm.load(
                config.model.name, adapter=adapter or config.model.adapter, progress=model_progress
            )
        if store.get_meta("model") is None:
            store.set_meta("model", lm.identity)
        manager = get_manager()
        run = Run(id=run_dir.name, dir=run_dir, domain=domain.name, config=config)
        with Sandbox(lanes=config.sandbox.lanes) as sandbox:
            ctx = Context(
                domain=domain,
                lm=lm,
                sandbox=sandbox,
                store=store,
                config=config,
                verifiers=manager.registry().verifiers.get(domain.name, []),
                hook=manager.hook,
                run=run,
                echo=click.echo,
                progress=make_bar,
            )
            ctx.fire("run_started", run=run)
            summary = run_loop(ctx, run_dir, train, heldout, phases)
        write_json(run_dir / "summary.json", summary)
        report = _render_report(run_dir)
        ctx.fire("run_finished", run=run, summary=summary)
        store.close()
    _print_summary(summary, run_dir, report)
    return summary


def _check_same_tasks(store: Any, train: list[Task], heldout: list[Task]) -> None:
    from forge.errors import StoreError

    saved_train, saved_held = store.load_tasks()
    if not saved_train and not saved_held:
        store.save_tasks(train, heldout)
        return
    if [t.id for t in saved_train] != [t.id for t in train] or [t.id for t in saved_held] != [
        t.id for t in heldout
    ]:
        raise StoreError(
            "The run's tasks changed since it started (the task source was edited or moved).",
            "Restore the task file, or start a new run.",
        )


def _render_report(run_dir: Path) -> Path | None:
    try:
        from forge.report import render
    except ImportError:
        return None
    return render(run_dir)


def _print_summary(summary: dict[str, Any], run_dir: Path, report: Path | None) -> None:
    try:
        from forge.report import summary_lines
    except ImportError:
        lines = [json.dumps(summary.get("phases"))]
    else:
        lines = summary_lines(summary)
    click.echo("")
    for line in lines:
        click.echo(line)
    click.echo(f"\nRun folder: {run_dir}")
    if report is not None:
        click.echo(f"Report:     {report}")


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
def eval_cmd(domain_name, tasks_source, model, adapter, search, config_file, out, seed) -> None:
    """Measure a model (and adapter) on tasks: a greedy single pass, and the search with --search."""
    layers: list[dict[str, Any]] = [load_yaml(config_file)] if config_file else []
    o = _cli_overrides(domain_name, model, adapter, tasks_source, None, seed, None)
    o["tasks"]["heldout"] = 0.0
    layers.append(o)
    config = build_config(*layers)
    execute(config, None, out=Path(out), phases=("before", "search") if search else ("before",))


@click.command("train")
@click.option(
    "--pairs",
    "pairs_file",
    required=True,
    metavar="JSONL",
    help="pairs.jsonl from a run (messages + target per line).",
)
@click.option(
    "--model", "-m", default=None, metavar="M", help="Base model (default: smollm2-135m)."
)
@click.option("--adapter-out", required=True, metavar="DIR", help="Where to save the adapter.")
@click.option("--iters", type=int, default=40, show_default=True, help="Training iterations.")
@click.option(
    "--batch-size", type=int, default=4, show_default=True, help="Examples per iteration."
)
@click.option("--learning-rate", type=float, default=1e-4, show_default=True, help="Learning rate.")
@click.option("--rank", type=int, default=4, show_default=True, help="LoRA rank.")
def train_cmd(pairs_file, model, adapter_out, iters, batch_size, learning_rate, rank) -> None:
    """Train a LoRA adapter on a pairs file (e.g. one exported by a run)."""
    from forge import model as fm

    examples = _read_pairs(Path(pairs_file))
    lm = fm.load(model, progress=model_progress)
    bar = make_bar("training", iters)
    last = [0]

    def on_progress(it: int, total: int, loss: float) -> None:
        bar.update(it - last[0])
        last[0] = it

    result = lm.train(
        examples,
        Path(adapter_out),
        rank=rank,
        iters=iters,
        batch_size=batch_size,
        learning_rate=learning_rate,
        progress=on_progress,
    )
    bar.finish()
    losses = [v for _, v in result.losses]
    loss = f", loss {losses[0]:.3f} -> {losses[-1]:.3f}" if losses else ""
    click.echo(
        f"Adapter saved to {result.adapter_dir} ({result.iters} iterations{loss}, "
        f"{result.tokens_per_s:.0f} tok/s, peak {result.peak_memory_mb:.0f} MB)"
    )


def _read_pairs(path: Path) -> list[dict[str, Any]]:
    from forge.errors import TaskFormatError

    if not path.is_file():
        raise UsageError(f"Pairs file '{path}' does not exist.", "Pass the pairs.jsonl of a run.")
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TaskFormatError(f"{path}:{n}: invalid JSON ({exc.msg}).") from None
        if (
            not isinstance(d, dict)
            or not isinstance(d.get("messages"), list)
            or not isinstance(d.get("target"), str)
        ):
            raise TaskFormatError(
                f"{path}:{n}: each line needs 'messages' (a list) and 'target' (a string)."
            )
        out.append({"messages": d["messages"], "target": d["target"]})
    if not out:
        raise TaskFormatError(f"{path} holds no pairs.")
    return out


@click.command("report")
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
def report_cmd(run_dir: Path) -> None:
    """Rebuild RUN_DIR/report.html and print the run's summary (works for unfinished runs too)."""
    from forge.report import load_summary

    summary = load_summary(run_dir)
    if summary.get("partial"):
        click.echo(
            f"Note: the run did not finish ({', '.join(summary['partial'])} cut off); "
            f"continue it with 'forge run --resume {run_dir}'."
        )
    _print_summary(summary, run_dir, _render_report(run_dir))


COMMANDS = [run_cmd, eval_cmd, train_cmd, report_cmd]
