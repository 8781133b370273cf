"""The experiment file: arms x seeds over one shared run config, read from YAML.

An experiment YAML has the keys of :class:`ExperimentConfig`; ``run`` is a run config
(the keys of ``forge run --config``) shared by every arm, and each arm may change only
``pairs.*`` and ``train.*``: the data collection and the measurement are shared by every
arm of a seed, so they must be the same for all of them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from forge.config import RunConfig, _apply, _f, build_config, load_yaml
from forge.errors import ConfigError

ArmKind = Literal["base", "trained", "control"]
ARM_KEYS = ("pairs", "train")
"""The run-config sections an arm may change."""


@dataclass
class ArmConfig:
    """One arm: what is trained (if anything) before the held-out tasks are measured."""

    kind: ArmKind = _f(
        "trained",
        "base (the model as it is: the shared measurement), trained (train on the shared "
        "collection with this arm's pairs/train settings) or control (the arm 'of' names, "
        "with its examples' answers shuffled across tasks)",
    )
    of: str | None = _f(None, "control only: the trained arm it controls (default: trained)")
    config: dict[str, Any] = _f(
        {}, "run-config overrides for this arm: pairs.* and train.* only (e.g. train.method)"
    )
    description: str = _f("", "one line shown in the table legend and the report")


@dataclass
class ExperimentConfig:
    """Everything ``forge experiment`` needs; saved as ``experiment.yaml`` in its folder."""

    name: str = _f("", "the experiment's folder name under --out (default: the file's name)")
    seeds: list[int] = _f(
        [1, 2, 3],
        "run seeds: each changes the collection's sampling, the training and the measured "
        "samples, never the task split",
    )
    run: dict[str, Any] = _f({}, "the run config every arm shares (the keys of forge run --config)")
    arms: dict[str, ArmConfig] = field(
        default_factory=dict,
        metadata={"help": "arm name -> kind, of, config, description (exactly one base arm)"},
    )
    k: list[int] = _f([8], "pass@k values to report besides pass@1 (each <= measure.samples)")
    resamples: int = _f(2000, "bootstrap resamples for every interval")
    confidence: float = _f(0.95, "interval coverage (0.95 = 95% intervals)")

    def arm_names(self, kind: str | None = None) -> list[str]:
        """Return the arms' names in file order (only those of ``kind`` when given)."""
        return [n for n, a in self.arms.items() if kind is None or a.kind == kind]

    @property
    def base_arm(self) -> str:
        """The name of the base arm (every difference is taken against it)."""
        return self.arm_names("base")[0]

    def seed_layer(self, seed: int) -> dict[str, Any]:
        """Return what a seed changes: the run seed, with the split seed held fixed (the
        run's ``tasks.split_seed``, else its ``seed``, else 0)."""
        tasks = self.run.get("tasks") or {}
        split = tasks.get("split_seed")
        if split is None:
            split = self.run.get("seed", 0)
        return {"seed": seed, "tasks": {"split_seed": split}}

    def shared_config(self, seed: int) -> RunConfig:
        """Return the run config of seed ``seed``'s shared work (measure, collect)."""
        return build_config(self.run, self.seed_layer(seed))

    def arm_config(self, name: str, seed: int, collection: Path) -> RunConfig:
        """Return arm ``name``'s run config for ``seed``, reading the ``collection`` run."""
        arm = self.arms[name]
        layers = [self.run]
        if arm.kind == "control":
            layers.append(self.arms[self.controlled(name)].config)
            layers.append({"pairs": {"shuffle_answers": True}})
        layers.append(arm.config)
        layers.append(self.seed_layer(seed))
        layers.append({"pairs": {"from_run": str(collection)}})
        return build_config(*layers)

    def controlled(self, name: str) -> str:
        """Return the trained arm a control arm shuffles."""
        return self.arms[name].of or "trained"

    def to_dict(self) -> dict[str, Any]:
        """Return the config as plain data (what ``experiment.yaml`` holds)."""
        return {
            "name": self.name,
            "seeds": list(self.seeds),
            "run": copy.deepcopy(self.run),
            "arms": {
                n: {"kind": a.kind, "of": a.of, "config": a.config, "description": a.description}
                for n, a in self.arms.items()
            },
            "k": list(self.k),
            "resamples": self.resamples,
            "confidence": self.confidence,
        }


def load_experiment(path: Path) -> ExperimentConfig:
    """Read and check an experiment YAML; raise a one-line ConfigError on bad input."""
    data = load_yaml(path)
    exp = parse_experiment(data)
    if not exp.name:
        exp.name = Path(path).stem
    return exp


def parse_experiment(data: dict[str, Any]) -> ExperimentConfig:
    """Return the ExperimentConfig for plain ``data`` (a YAML mapping), checked."""
    data = dict(data)
    arms = data.pop("arms", None)
    if not isinstance(arms, dict) or not arms:
        raise ConfigError(
            "The experiment needs 'arms': a mapping of arm name -> settings.",
            "E.g. arms: {base: {kind: base}, trained: {kind: trained}, control: {kind: control}}",
        )
    exp = ExperimentConfig()
    _apply(exp, data, "")
    exp.run = dict(exp.run)
    for name, value in arms.items():
        arm = ArmConfig()
        _apply(arm, value if value is not None else {}, f"arms.{name}.")
        exp.arms[str(name)] = arm
    check(exp)
    return exp


def check(exp: ExperimentConfig) -> None:
    """Raise ConfigError for an experiment that cannot run or could not be compared."""
    if not exp.seeds or len(set(exp.seeds)) != len(exp.seeds):
        raise ConfigError("Experiment key 'seeds' needs distinct seeds, e.g. [1, 2, 3].")
    if not 0 < exp.confidence < 1 or exp.resamples < 100:
        raise ConfigError(
            "Experiment keys 'confidence' must be in (0, 1) and 'resamples' at least 100."
        )
    bases = exp.arm_names("base")
    if len(bases) != 1:
        raise ConfigError(
            f"The experiment needs exactly one arm of kind base, not {len(bases)}.",
            "Add e.g. 'base: {kind: base}' under arms; every difference is taken against it.",
        )
    for name, arm in exp.arms.items():
        _check_arm(exp, name, arm)
    run = build_config(exp.run)  # every run key checked once, with its own messages
    if "pairs" in exp.run and "from_run" in exp.run["pairs"]:
        raise ConfigError("Experiment key 'run.pairs.from_run' is set by the experiment itself.")
    bad_k = [k for k in exp.k if not 1 <= k <= run.measure.samples]
    if bad_k:
        raise ConfigError(
            f"Experiment key 'k' has {bad_k[0]}, more than measure.samples "
            f"({run.measure.samples}) or below 1.",
            "Raise run.measure.samples (8 or more is the usual n) or lower k.",
        )
    for seed in exp.seeds:
        for name in exp.arm_names():
            if exp.arms[name].kind != "base":
                exp.arm_config(name, seed, Path("collection"))


def _check_arm(exp: ExperimentConfig, name: str, arm: ArmConfig) -> None:
    where = f"arms.{name}"
    extra = [k for k in arm.config if k not in ARM_KEYS]
    if extra:
        raise ConfigError(
            f"Experiment key '{where}.config.{extra[0]}' cannot differ between arms.",
            "Arms share the data collection and the measurement; an arm may change only "
            f"{' and '.join(k + '.*' for k in ARM_KEYS)}. Put it under 'run:' for every arm.",
        )
    if arm.kind == "base" and arm.config:
        raise ConfigError(f"Experiment key '{where}.config': a base arm trains nothing.")
    if arm.kind == "control":
        target = exp.controlled(name)
        if target not in exp.arms or exp.arms[target].kind != "trained":
            raise ConfigError(
                f"Experiment key '{where}.of' names '{target}', which is not a trained arm.",
                f"Trained arms: {', '.join(exp.arm_names('trained')) or 'none'}.",
            )
    elif arm.of is not None:
        raise ConfigError(f"Experiment key '{where}.of' is for control arms only.")
    if not name.replace("-", "").replace("_", "").isalnum():
        raise ConfigError(
            f"Arm name '{name}' must be letters, digits, '-' and '_' (it names a folder)."
        )
