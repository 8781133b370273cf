"""The experiment file and ``forge experiment``: one-line errors, resume, report rebuild,
and the example experiments."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from forge.cli.main import main
from forge.errors import ConfigError
from forge.experiment.config import load_experiment, parse_experiment

from .support import experiment, experiment_plugin

ROOT = Path(__file__).resolve().parents[2]


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def _without(key: str) -> dict:
    data = experiment()
    del data[key]
    return data


def _arm(**arm) -> dict:
    data = experiment()
    data["arms"]["odd"] = arm
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_without("arms"), "needs 'arms'"),
        (experiment(seedz=[1]), "Unknown config key 'seedz'. Did you mean 'seeds'?"),
        (experiment(seeds=[1, 1]), "distinct seeds"),
        (experiment(k=[16]), "'k' has 16, more than measure.samples \\(8\\)"),
        (_arm(kind="base"), "exactly one arm of kind base, not 2"),
        (_arm(config={"search": {"generations": 0}}), "'arms.odd.config.search' cannot differ"),
        (_arm(kind="control", of="base"), "'arms.odd.of' names 'base', which is not a trained"),
        (_arm(of="trained"), "'arms.odd.of' is for control arms only"),
        (_arm(kind="trianed"), "'arms.odd.kind' has value 'trianed'"),
        (_arm(config={"train": {"iterz": 3}}), "Unknown config key 'train.iterz'"),
        (experiment(resamples=10), "'resamples' at least 100"),
    ],
)
def test_bad_experiments_are_one_line_errors(data, message) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_experiment(data)


def test_experiment_cli_runs_resumes_and_rebuilds_the_report(capsys, tmp_path) -> None:
    spec = tmp_path / "small.yaml"
    data = experiment(seeds=[3])
    del data["name"]
    spec.write_text(yaml.safe_dump(data))
    out = tmp_path / "out"
    with experiment_plugin():
        code, text, err = run_cli(capsys, "experiment", str(spec), "--out", str(out))
        assert code == 0 and "Error" not in err  # stderr holds the progress bars
        assert "Held-out tasks (12)" in text and "difference from base:" in text
        folder = out / "small"  # named after the file
        assert (folder / "seed-3" / "trained" / "forge.db").is_file()
        code, text, _ = run_cli(capsys, "experiment", "--resume", str(folder))
        assert code == 0 and text.count("finished earlier; skipped") == 4
        (folder / "report.html").unlink()
        code, text, _ = run_cli(capsys, "experiment", "--resume", str(folder), "--report")
        assert code == 0 and (folder / "report.html").is_file() and "MEASURE" not in text


def test_experiment_cli_errors_are_one_line(capsys, tmp_path) -> None:
    code, _, err = run_cli(capsys, "experiment")
    assert (code, err) == (
        2,
        "Error: Give an experiment file or --resume DIR (one of them). "
        "E.g. forge experiment examples/experiments/gym.yaml\n",
    )
    code, _, err = run_cli(capsys, "experiment", "--resume", str(tmp_path))
    assert code != 0 and err.startswith(f"Error: '{tmp_path}' is not an experiment folder")
    code, _, err = run_cli(capsys, "experiment", str(tmp_path / "nope.yaml"))
    assert code != 0 and "does not exist" in err and err.count("\n") == 1


def test_an_uninstalled_trainer_fails_before_any_work(capsys, tmp_path) -> None:
    data = experiment(seeds=[1])
    data["arms"]["dpo"] = {"config": {"train": {"method": "no-such-trainer"}}}
    spec = tmp_path / "e.yaml"
    spec.write_text(yaml.safe_dump(data))
    with experiment_plugin():
        code, _, err = run_cli(capsys, "experiment", str(spec), "--out", str(tmp_path / "o"))
    assert code == 2 and "Unknown training method 'no-such-trainer'" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("name", ["code", "gym"])
def test_example_experiments_load(name) -> None:
    exp = load_experiment(ROOT / "examples" / "experiments" / f"{name}.yaml")
    kinds = {a.kind for a in exp.arms.values()}
    assert kinds == {"base", "trained", "control"} and len(exp.arms) >= 4
    assert len(exp.seeds) >= 2
    run = exp.shared_config(exp.seeds[0])
    assert run.measure.samples >= 8


def test_every_experiment_and_run_key_has_help_text() -> None:
    import dataclasses

    from forge.config import RunConfig
    from forge.experiment.config import ArmConfig, ExperimentConfig

    def fields(cls, prefix=""):
        for f in dataclasses.fields(cls):
            default = f.default_factory() if callable(f.default_factory) else f.default
            if dataclasses.is_dataclass(default):
                yield from fields(type(default), f"{prefix}{f.name}.")
            else:
                yield f"{prefix}{f.name}", f.metadata.get("help", "")

    keys = [*fields(RunConfig), *fields(ExperimentConfig), *fields(ArmConfig, "arms.<a>.")]
    assert {"measure.samples", "pairs.recipe", "tasks.transfer", "arms.<a>.kind"} <= dict(
        keys
    ).keys()
    assert [k for k, text in keys if not text.strip()] == []


def test_training_text_says_what_was_trained_and_which_adapter_was_kept() -> None:
    from forge.experiment.table import train_text

    trained = {
        "examples": {"repair": 40, "rehearsal": 2},
        "first_loss": 1.168,
        "final_loss": 0.14,
        "best_iter": 10,
        "best_validation_loss": 0.912,
    }
    assert train_text(trained) == (
        "40 repair 2 rehearsal, loss 1.17 -> 0.14, kept iteration 10 (validation 0.91)"
    )
    assert train_text({"examples": {"rft": 1}, "skipped": "only 1"}) == "1 rft, training skipped"
