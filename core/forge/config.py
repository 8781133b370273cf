"""Typed run configuration: dataclasses with help text, read from YAML with unknown keys rejected.

YAML keys match field names one to one (``search.population_size``). CLI flags override
YAML values. ``--quick`` applies :data:`QUICK` on top of the defaults before YAML and flags.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from forge.errors import ConfigError


def _f(default: Any, help: str) -> Any:
    """A dataclass field with a default and help text (shown in docs and examples)."""
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass
class ModelConfig:
    """Which model to use and how to load it."""

    name: str = _f("smollm2-135m", "registry name, mlx-lm/Hugging Face folder, or .gguf file")
    adapter: str | None = _f(None, "LoRA adapter folder to start from (None = base model)")
    engine: str = _f(
        "auto",
        "generation engine: auto (the fastest installed for this device), mlx, llamacpp, ...",
    )


@dataclass
class TaskConfig:
    """Where tasks come from and how they are split."""

    source: str | None = _f(
        None, "task file, or a named set such as humaneval[0:20]; None = the domain's built-in set"
    )
    heldout: str | float = _f(
        0.3, "held-out tasks: a fraction of the tasks (0-1) or a task file/named set"
    )
    limit: int | None = _f(None, "use at most this many training tasks (None = all)")
    heldout_limit: int | None = _f(None, "use at most this many held-out tasks (None = all)")
    transfer: str | None = _f(
        None,
        "transfer tasks: a task file/named set from another distribution, only measured "
        "(MEASURE phases), never searched or trained on (None = none)",
    )
    split_seed: int | None = _f(
        None,
        "seed of the held-out fraction split (None = the run's seed); experiments fix it so "
        "their seeds change sampling and training, not which tasks are held out",
    )


@dataclass
class SearchConfig:
    """The evolutionary search (EVOLVE and AFTER-search phases)."""

    population_size: int = _f(
        8, "first-generation samples per task (the greedy single-pass answer joins them)"
    )
    elites: int = _f(2, "best distinct artifacts kept per task each generation")
    repairs_per_elite: int = _f(3, "repair samples generated from each elite per generation")
    generations: int = _f(3, "repair generations after the first sample (stop early when solved)")
    temperature: float = _f(0.8, "sampling temperature for search (single-pass phases are greedy)")
    top_p: float = _f(0.95, "nucleus sampling cut-off")
    max_tokens: int = _f(384, "most new tokens per completion")
    feedback: Literal["specific", "score-only"] = _f(
        "specific", "what repair prompts show: the failing cases, or only the pass count"
    )
    include_solved: bool = _f(
        False,
        "also sample generation 0 for tasks the greedy answer already solves (they yield "
        "RFT answers and failing samples to repair, so a strong model gives data too)",
    )


ExampleKindName = Literal["repair", "rft", "rehearsal"]


@dataclass
class PairsConfig:
    """Which training examples the PAIRS phase extracts from the training tasks' search."""

    recipe: list[ExampleKindName] = _f(
        ["repair", "rehearsal"],
        "example kinds to make: repair (weak answer + feedback -> best answer), rft (the "
        "model's own verified first-attempt answers), rehearsal (solved task -> its answer)",
    )
    max_per_task: int = _f(4, "most repair pairs kept per task")
    min_gain: float = _f(0.01, "least score improvement from weak to strong for a pair")
    rft_per_task: int = _f(
        4, "most distinct verified first-attempt answers (RFT examples) kept per task"
    )
    rft_text: Literal["artifact", "completion"] = _f(
        "artifact",
        "an RFT example's answer: artifact (the extracted answer as the domain formats it, "
        "like repair pairs) or completion (the model's whole reply, reasoning included)",
    )
    frontier: bool = _f(
        False,
        "keep repair/RFT examples only from frontier tasks: pass rate among the task's "
        "first-attempt answers strictly between 0 and 1",
    )
    rehearsal_ratio: float = _f(
        0.5, "rehearsal examples (solved task -> passing answer) per repair/RFT example"
    )
    shuffle_answers: bool = _f(
        False,
        "control: give every example the answer of an example from another task (same "
        "prompts, same answers, same count; a gain that survives this is not learning)",
    )
    from_run: str | None = _f(
        None,
        "take the search attempts from this run folder instead of this run (its training "
        "tasks must be this run's); experiments share one data collection this way",
    )


@dataclass
class TrainConfig:
    """Training on the examples the PAIRS phase extracted."""

    method: str = _f(
        "lora",
        "training method (a registered trainer): lora (supervised, on the chosen answers) or "
        "dpo (preference, chosen over rejected answers)",
    )
    rank: int = _f(4, "LoRA rank")
    scale: float = _f(20.0, "LoRA scale (alpha)")
    dropout: float = _f(0.0, "LoRA dropout")
    num_layers: int = _f(
        16,
        "how many of the last transformer layers get adapters (-1 = all; 16 is mlx-lm's "
        "default: the layers below run once per example, not once per iteration)",
    )
    learning_rate: float = _f(1e-4, "learning rate")
    iters: int = _f(40, "training iterations")
    batch_size: int = _f(4, "examples per iteration")
    max_seq_len: int = _f(
        1024, "longest training example in tokens (longer ones are cut, and counted in the log)"
    )
    optimizer: Literal["adafactor", "adam", "adamw", "sgd"] = _f("adafactor", "optimizer")
    min_pairs: int = _f(
        2, "skip training when fewer repair/RFT examples than this were found (rehearsal aside)"
    )
    validation_fraction: float = _f(
        0.2,
        "share of the training tasks whose examples are held out to measure validation loss "
        "(whole tasks, seeded; none with fewer than 2 tasks; 0 = no validation, keep the last "
        "iteration)",
    )
    eval_every: int = _f(
        10,
        "iterations between validation-loss measurements (also before the first, after the last)",
    )
    patience: int = _f(
        2,
        "stop after this many validation measurements without a new best (0 = run every "
        "iteration); the adapter kept is always the one with the best validation loss",
    )
    dpo_beta: float = _f(
        0.1,
        "dpo: beta, the strength of the implicit pull towards the starting model (higher = "
        "the policy stays closer to it)",
    )
    dpo_sft_weight: float = _f(
        0.2,
        "dpo: weight of the cross-entropy on chosen answers added to the DPO loss (keeps their "
        "likelihood from falling); examples without a rejected answer get only this term, and "
        "are skipped when it is 0",
    )


@dataclass
class MeasureConfig:
    """The MEASURE phases: held-out and transfer tasks, greedy and sampled."""

    samples: int = _f(8, "sampled answers per task for sampled pass@1 and pass@k (0 = greedy only)")
    temperature: float = _f(0.8, "sampling temperature of the sampled answers")
    train: bool = _f(False, "measure the training tasks too (shows memorisation; costs time)")


@dataclass
class SandboxConfig:
    """How candidates are run (each domain sets its own per-candidate time and memory limits)."""

    lanes: int | None = _f(None, "worker lanes (None = one per CPU core)")


@dataclass
class ExecutorConfig:
    """Where generation and verification run (training and the run store stay here)."""

    name: str = _f(
        "local",
        "where generation and verification run (a registered executor): local = this "
        "machine's lanes; ray = a Ray cluster (pip install 'forge[ray]')",
    )
    address: str | None = _f(
        None,
        "ray: the cluster to join, 'auto' (the one 'ray start' made here) or HOST:PORT "
        "(null = start Ray on this machine only)",
    )
    batch_size: int = _f(16, "ray: verification jobs sent to a node in one call")
    timeout_s: float = _f(
        900.0,
        "ray: longest wait for one call to a node (a verification batch, a share of a "
        "generation, loading the model) before the run stops with an error",
    )


@dataclass
class RunConfig:
    """Everything a ``forge run`` needs. Saved as ``config.yaml`` in the run folder."""

    domain: str = _f("code", "domain name (forge domains lists them)")
    seed: int = _f(0, "random seed for splits and sampling")
    model: ModelConfig = field(default_factory=ModelConfig)
    tasks: TaskConfig = field(default_factory=TaskConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    pairs: PairsConfig = field(default_factory=PairsConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    measure: MeasureConfig = field(default_factory=MeasureConfig)
    sandbox: SandboxConfig = field(default_factory=SandboxConfig)
    executor: ExecutorConfig = field(default_factory=ExecutorConfig)
    after_search: bool = _f(True, "run the search again with the adapter (AFTER-search phase)")


QUICK: dict[str, Any] = {
    "tasks": {"limit": 5, "heldout_limit": 3},
    "search": {"population_size": 6, "generations": 2, "repairs_per_elite": 2, "max_tokens": 256},
    "train": {"iters": 20, "max_seq_len": 512},
}
"""Overrides applied by ``--quick``: a whole loop in a few minutes on a laptop CPU."""


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML config file into a dict; raises ConfigError with the file name on bad input."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(
            f"Config file '{p}' does not exist.",
            "Pass a YAML file, e.g. examples/configs/quick.yaml.",
        )
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise ConfigError(
            f"Config file '{p}{where}' is not valid YAML: {getattr(exc, 'problem', exc)}."
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"Config file '{p}' must hold a mapping of keys, not {type(data).__name__}."
        )
    return data


def build_config(*layers: dict[str, Any]) -> RunConfig:
    """Return a RunConfig from defaults with each layer of overrides applied in order."""
    config = RunConfig()
    for layer in layers:
        _apply(config, layer, "")
    _check(config)
    return config


def _check(config: RunConfig) -> None:
    """Raise ConfigError for values that are each valid but do not make sense together."""
    recipe = config.pairs.recipe
    if not {"repair", "rft"} & set(recipe):
        raise ConfigError(
            f"Config key 'pairs.recipe' is {recipe!r}; it needs repair or rft "
            "(rehearsal is mixed in per repair/RFT example).",
            "Use e.g. [repair, rehearsal] (the default) or [rft, rehearsal].",
        )
    if len(set(recipe)) != len(recipe):
        raise ConfigError(f"Config key 'pairs.recipe' names a kind twice: {recipe!r}.")
    if config.measure.samples < 0:
        raise ConfigError("Config key 'measure.samples' must be 0 or more.")


def to_dict(config: Any) -> dict[str, Any]:
    """Return a config dataclass as plain nested dicts (for YAML and JSON)."""
    return dataclasses.asdict(config)


def dump_yaml(config: RunConfig) -> str:
    """Return the config as YAML text."""
    return yaml.safe_dump(to_dict(config), sort_keys=False)


def _apply(target: Any, values: dict[str, Any], prefix: str) -> None:
    if not isinstance(values, dict):
        raise ConfigError(f"Config key '{prefix.rstrip('.') or '<root>'}' must be a mapping.")
    hints = typing.get_type_hints(type(target))
    fields = {f.name: f for f in dataclasses.fields(target)}
    for key, value in values.items():
        path = f"{prefix}{key}"
        if key not in fields:
            close = difflib.get_close_matches(str(key), list(fields), n=1, cutoff=0.5)
            hint = f" Did you mean '{prefix}{close[0]}'?" if close else ""
            raise ConfigError(
                f"Unknown config key '{path}'.{hint} Known keys: {', '.join(prefix + n for n in fields)}."
            )
        current = getattr(target, key)
        if dataclasses.is_dataclass(current):
            _apply(current, value, f"{path}.")
        elif value is None and not _allows_none(hints[key]):
            raise ConfigError(
                f"Config key '{path}' is null; it needs {_type_name(hints[key])}.",
                f"Give it a value, or delete the line to keep the default ({current!r}).",
            )
        else:
            setattr(target, key, _coerce(value, hints[key], path))


def _allows_none(tp: Any) -> bool:
    return type(None) in typing.get_args(tp)


def _coerce(value: Any, tp: Any, path: str) -> Any:
    """Check ``value`` against the annotation ``tp``; return it converted (int->float) or raise."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            try:
                return _coerce(value, arg, path)
            except ConfigError:
                continue
        raise ConfigError(f"Config key '{path}' has value {value!r}; expected {_type_name(tp)}.")
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"Config key '{path}' has value {value!r}; expected a mapping.")
        return value
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"Config key '{path}' has value {value!r}; expected a list.")
        (arg,) = typing.get_args(tp)
        return [_coerce(v, arg, f"{path}[{i}]") for i, v in enumerate(value)]
    if origin is Literal:
        if value in typing.get_args(tp):
            return value
        allowed = ", ".join(repr(a) for a in typing.get_args(tp))
        raise ConfigError(f"Config key '{path}' has value {value!r}; expected one of {allowed}.")
    if tp is type(None):
        if value is None:
            return None
    elif tp is float and type(value) in (int, float):
        return float(value)
    elif tp is int and type(value) is int:
        return value
    elif tp in (str, bool) and type(value) is tp:
        return value
    raise ConfigError(f"Config key '{path}' has value {value!r}; expected {_type_name(tp)}.")


def _type_name(tp: Any) -> str:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp))
    return "null" if tp is type(None) else getattr(tp, "__name__", str(tp))
