"""``forge train``: train an adapter on a pairs file with the same settings as ``forge run``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from forge.cli.progress import make_bar
from forge.config import build_config, load_yaml
from forge.trainlog import train_lines


@click.command("train")
@click.option(
    "--pairs",
    "pairs_file",
    required=True,
    metavar="JSONL",
    help="pairs.jsonl from a run (prompt + chosen answer per line).",
)
@click.option(
    "--model", "-m", default=None, metavar="M", help="Base model (default: smollm2-135m)."
)
@click.option("--adapter-out", required=True, metavar="DIR", help="Where to save the adapter.")
@click.option(
    "--config",
    "config_file",
    default=None,
    metavar="YAML",
    help="Config file; its train: section applies (every key of forge run's).",
)
@click.option("--method", default=None, metavar="NAME", help="Training method (default: lora).")
@click.option("--iters", type=int, default=None, help="Training iterations (default: 40).")
@click.option("--batch-size", type=int, default=None, help="Examples per iteration (default: 4).")
@click.option("--learning-rate", type=float, default=None, help="Learning rate (default: 1e-4).")
@click.option("--rank", type=int, default=None, help="LoRA rank (default: 4).")
@click.option("--seed", type=int, default=None, help="Seed for batching and initialisation.")
def train_cmd(
    pairs_file,
    model,
    adapter_out,
    config_file,
    method,
    iters,
    batch_size,
    learning_rate,
    rank,
    seed,
) -> None:
    """Train an adapter on a pairs file (e.g. one a run exported), with forge run's defaults."""
    from forge.pairs import read_jsonl
    from forge.plugins import get_manager
    from forge.session import _select

    examples = read_jsonl(Path(pairs_file))
    flags = {
        "method": method,
        "iters": iters,
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "rank": rank,
    }
    layers: list[dict[str, Any]] = [load_yaml(config_file)] if config_file else []
    top: dict[str, Any] = {"train": {k: v for k, v in flags.items() if v is not None}}
    if model:
        top["model"] = {"name": model}
    if seed is not None:
        top["seed"] = seed
    config = build_config(*layers, top)
    trainers = get_manager().registry().trainers
    trainer_cls = _select(trainers, config.train.method, "training method", "--method")
    trainer = trainer_cls.create(config.model.name)
    bar = make_bar("training", config.train.iters)
    last = [0]

    def on_progress(it: int, total: int, loss: float) -> None:
        bar.update(it - last[0])
        last[0] = it

    try:
        result = trainer.train(
            examples, Path(adapter_out), config.train, seed=config.seed, progress=on_progress
        )
    finally:
        bar.finish()
    losses = [v for _, v in result.losses]
    loss = f", loss {losses[0]:.3f} -> {losses[-1]:.3f}" if losses else ""
    click.echo(
        f"Adapter saved to {result.adapter_dir} ({result.iters} iterations{loss}, "
        f"{result.tokens_per_s:.0f} tok/s, peak {result.peak_memory_mb:.0f} MB)"
    )
    tasks = len({e.task_id for e in examples})
    for line in train_lines(result, config.train.validation_fraction, tasks):
        click.echo(f"  {line}")


COMMANDS = [train_cmd]
