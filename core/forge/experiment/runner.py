"""Run an experiment: for each seed, the shared work once, then every training arm.

The folder holds one real run folder per piece of work, each resumable on its own:

```
<folder>/experiment.yaml          the experiment config as last run
<folder>/seed-<s>/collect/         MEASURE (the base arm) + COLLECT (training data), shared
<folder>/seed-<s>/<arm>/           PAIRS (from collect) + TRAIN + MEASURE AFTER, per arm
<folder>/summary.json, table.txt, report.html
```

Running it again (same file, or ``--resume FOLDER``) skips finished runs and resumes the
cut-off one at its last stored unit, like ``forge run --resume``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from forge import phases
from forge.config import RunConfig, to_dict
from forge.errors import StoreError, UsageError
from forge.experiment.config import ExperimentConfig, parse_experiment
from forge.runs import read_config
from forge.store import RunStore

Echo = Callable[[str], None]
SHARED = "collect"
"""The folder name of a seed's shared run."""


def seed_dir(folder: Path, seed: int) -> Path:
    """Return the folder of one seed's runs."""
    return folder / f"seed-{seed}"


def run_dir(folder: Path, seed: int, arm: str | None) -> Path:
    """Return the run folder of ``arm`` for ``seed`` (``None``: the shared run)."""
    return seed_dir(folder, seed) / (arm or SHARED)


def write_experiment(folder: Path, exp: ExperimentConfig) -> None:
    """Write ``experiment.yaml`` (what ``--resume`` reads)."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "experiment.yaml.tmp"
    tmp.write_text(yaml.safe_dump(exp.to_dict(), sort_keys=False), encoding="utf-8")
    tmp.replace(folder / "experiment.yaml")


def read_experiment(folder: Path) -> ExperimentConfig:
    """Return the config an experiment folder was run with; one-line error if it is not one."""
    path = folder / "experiment.yaml"
    if not path.is_file():
        raise StoreError(
            f"'{folder}' is not an experiment folder (no experiment.yaml).",
            "Pass a folder that 'forge experiment' created.",
        )
    return parse_experiment(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def check_plugins(exp: ExperimentConfig) -> None:
    """Fail before any work when an arm names a domain, engine, trainer or executor that is
    not installed (a DPO arm without the DPO trainer, say)."""
    from forge.plugins import get_manager
    from forge.session import check_parts

    manager = get_manager()
    check_parts(manager, exp.shared_config(exp.seeds[0]))
    for name in exp.arm_names():
        if exp.arms[name].kind != "base":
            check_parts(manager, exp.arm_config(name, exp.seeds[0], Path("collection")))


def run_experiment(
    exp: ExperimentConfig, folder: Path, echo: Echo = print, **session_kw: Any
) -> dict[str, Any]:
    """Run (or continue) every seed's shared run and arms; write and return the summary.

    ``session_kw`` goes to :meth:`forge.session.Session.open` (progress bars).
    """
    from forge.experiment.summary import write_outputs

    check_plugins(exp)
    write_experiment(folder, exp)
    trained = [n for n in exp.arm_names() if exp.arms[n].kind != "base"]
    for seed in exp.seeds:
        shared = run_dir(folder, seed, None)
        echo(f"\n=== seed {seed}: shared measurement and data collection ({shared}) ===")
        run_one(exp.shared_config(seed), shared, phases.COLLECTION, echo, session_kw)
        for name in trained:
            target = run_dir(folder, seed, name)
            echo(f"\n=== seed {seed}: arm {name} ({exp.arms[name].kind}) ({target}) ===")
            config = exp.arm_config(name, seed, shared.resolve())
            run_one(config, target, phases.ARM, echo, session_kw)
    return write_outputs(exp, folder, echo)


def run_one(
    config: RunConfig,
    target: Path,
    plan_names: tuple[str, ...],
    echo: Echo,
    session_kw: dict[str, Any],
) -> None:
    """Run ``target`` with ``config`` and the phases ``plan_names``: fresh, resumed, or
    skipped when finished. A stored run whose config differs is refused (one line)."""
    from forge.session import Session

    plan = tuple(phases.get(n) for n in plan_names)
    if (target / "forge.db").is_file():
        _check_same_config(target, config)
        if is_finished(target):
            echo("  finished earlier; skipped")
            return
        with Session.open(config, target, echo=echo, **session_kw) as session:
            session.run()
        return
    with Session.open(
        config, None, out=target.parent, name=target.name, plan=plan, echo=echo, **session_kw
    ) as session:
        session.run()


def is_finished(target: Path) -> bool:
    """True when every phase the run planned is done."""
    store = RunStore(target / "forge.db")
    try:
        planned = store.get_meta("phase_list") or []
        return bool(planned) and all(store.phase_status(n) == "done" for n in planned)
    finally:
        store.close()


def _check_same_config(target: Path, config: RunConfig) -> None:
    """Refuse to continue a run folder whose saved config is not ``config`` (a moved
    experiment folder is fine: the collection's path is not compared)."""
    saved, want = to_dict(read_config(target)), to_dict(config)
    for d in (saved, want):
        d["pairs"]["from_run"] = None
    if saved != want:
        diff = _first_difference(saved, want)
        raise UsageError(
            f"Run '{target}' was started with another config ({diff}).",
            "Restore the experiment file, or give the changed experiment another name/--out.",
        )


def _first_difference(a: Any, b: Any, prefix: str = "") -> str:
    """Return ``key: old -> new`` for the first key where nested dicts ``a`` and ``b`` differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            if a.get(key) != b.get(key):
                return _first_difference(a.get(key), b.get(key), f"{prefix}{key}.")
    return f"{prefix.rstrip('.')}: {a!r} -> {b!r}"
