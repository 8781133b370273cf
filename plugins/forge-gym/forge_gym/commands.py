"""``forge gym``: list generator families, run the conformance check, sweep difficulty levels."""

from __future__ import annotations

import json
from pathlib import Path

import click
from forge.errors import UsageError

from forge_gym import catalog

SWEEP_SEED = 500_000  # training-range keys far from the usual seeds of experiments


@click.group("gym")
def gym() -> None:
    """reasoning-gym tasks: families, the scorer conformance check, difficulty sweeps."""


@gym.command("families")
@click.option("--all", "show_all", is_flag=True, help="Include generators marked unsound.")
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
def families_cmd(show_all: bool, as_json: bool) -> None:
    """List generator families with their difficulty knobs (levels 0 = easiest)."""
    entries = catalog.generators()
    names = sorted(n for n in entries if show_all or entries[n]["sound"])
    if as_json:
        click.echo(json.dumps({n: entries[n] for n in names}, indent=2))
        return
    width = max(len(n) for n in names)
    for name in names:
        mark = (
            ""
            if entries[name]["sound"]
            else "  [unsound: " + "; ".join(entries[name]["failed"]) + "]"
        )
        click.echo(f"{name.ljust(width)}  {catalog.knobs_line(name)}{mark}")
    excluded = len(entries) - len(catalog.sound_names())
    click.echo(f"{len(names)} families ({excluded} unsound excluded by default)", err=True)


@gym.command("check")
@click.argument("names", nargs=-1)
@click.option("--items", type=int, default=3, show_default=True, help="Items per generator.")
@click.option("--write", is_flag=True, help="Write forge_gym/catalog.json (maintainers).")
def check_cmd(names: tuple[str, ...], items: int, write: bool) -> None:
    """Run the scorer conformance check (all generators, or NAMES) and print what failed."""
    from forge.sandbox import Sandbox

    from forge_gym import build_catalog, conformance, rg

    chosen = list(names) or sorted(rg.datasets())
    with Sandbox() as sandbox:
        results = conformance.check(chosen, sandbox, items=items)
    for name in chosen:
        r = results[name]
        click.echo(f"{name:28s} {'sound' if r.sound else 'UNSOUND: ' + '; '.join(r.failed)}")
    unsound = sum(not r.sound for r in results.values())
    click.echo(f"{len(results) - unsound} sound, {unsound} unsound", err=True)
    if write:
        path = build_catalog.write(results, items)
        click.echo(f"wrote {path}", err=True)


@gym.command("sweep")
@click.argument("families", nargs=-1, required=True)
@click.option(
    "--levels", default="0,1", show_default=True, help="Difficulty levels, comma-separated."
)
@click.option("--size", type=int, default=20, show_default=True, help="Tasks per family and level.")
@click.option("--seed", type=int, default=SWEEP_SEED, show_default=True, help="First item key.")
@click.option("--model", "-m", default=None, help="Model (default: forge's default model).")
@click.option("--out", default="runs", show_default=True, help="Folder for the eval run.")
def sweep_cmd(
    families: tuple[str, ...], levels: str, size: int, seed: int, model: str | None, out: str
) -> None:
    """Greedy pass rate of a model on each of FAMILIES at each difficulty level (one forge eval)."""
    import tempfile

    from forge_gym import sweep
    from forge_gym.sources import load_mixture

    for family in families:
        catalog.check_known(family)
    try:
        chosen = [int(x) for x in levels.split(",") if x.strip()]
    except ValueError:
        raise UsageError(f"--levels must be numbers like 0,1,2, not '{levels}'.") from None
    with tempfile.TemporaryDirectory(prefix="forge-gym-sweep-") as tmp:
        mixture, log = Path(tmp) / "sweep.yaml", Path(tmp) / "verdicts.jsonl"
        sweep.write_mixture(mixture, list(families), chosen, size, seed)
        cells = {
            t.id: (t.data["generator"], t.data["difficulty"]) for t in load_mixture(str(mixture))
        }
        log.touch()
        run_dir = sweep.run_eval(mixture, log, model, out)
        table = sweep.tally(log, cells)
    click.echo(
        f"{'family':24s} {'level':>5}  {'passed':>6}  pass rate   ({model or 'default model'}, greedy)"
    )
    for (family, level), (passed, total) in table.items():
        click.echo(
            f"{family:24s} {level:>5}  {passed:>3}/{total:<3} {100 * passed / max(total, 1):7.0f}%"
        )
    click.echo(f"Run folder: {run_dir}", err=True)
