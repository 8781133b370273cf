"""Config: defaults, --quick, YAML layers, and one-line errors naming the key path."""

from __future__ import annotations

import pytest

from forge.config import QUICK, build_config, dump_yaml, load_yaml
from forge.errors import ConfigError


def test_defaults_follow_the_original_tool() -> None:
    config = build_config()
    assert (config.train.rank, config.train.optimizer, config.train.iters) == (4, "adafactor", 40)
    assert config.search.feedback == "specific"


def test_layers_apply_in_order() -> None:
    config = build_config(QUICK, {"search": {"temperature": 1, "generations": 5}})
    assert config.tasks.limit == 5
    assert config.search.temperature == 1.0 and isinstance(config.search.temperature, float)
    assert config.search.generations == 5


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        ({"serch": {}}, "Unknown config key 'serch'. Did you mean 'search'?"),
        (
            {"search": {"population": 3}},
            "Unknown config key 'search.population'. Did you mean 'search.population_size'?",
        ),
        (
            {"search": {"feedback": "loud"}},
            "Config key 'search.feedback' has value 'loud'; expected one of 'specific', 'score-only'.",
        ),
        ({"train": {"rank": "4"}}, "Config key 'train.rank' has value '4'; expected int."),
        ({"train": {"rank": True}}, "Config key 'train.rank' has value True; expected int."),
        ({"search": 3}, "Config key 'search' must be a mapping."),
    ],
)
def test_bad_values_name_the_key_path(layer, message) -> None:
    with pytest.raises(ConfigError) as err:
        build_config(layer)
    assert err.value.one_line().startswith(message)


def test_heldout_accepts_fraction_or_source() -> None:
    assert build_config({"tasks": {"heldout": 0.25}}).tasks.heldout == 0.25
    assert build_config({"tasks": {"heldout": "held.jsonl"}}).tasks.heldout == "held.jsonl"


def test_yaml_round_trip(tmp_path) -> None:
    config = build_config(QUICK, {"seed": 7})
    path = tmp_path / "c.yaml"
    path.write_text(dump_yaml(config))
    assert build_config(load_yaml(path)) == config


def test_yaml_errors_are_one_line(tmp_path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match="does not exist"):
        load_yaml(missing)
    bad = tmp_path / "bad.yaml"
    bad.write_text("search: [1, 2\n")
    with pytest.raises(ConfigError, match=r"bad.yaml:\d+' is not valid YAML"):
        load_yaml(bad)
    listy = tmp_path / "list.yaml"
    listy.write_text("- 1\n")
    with pytest.raises(ConfigError, match="must hold a mapping"):
        load_yaml(listy)


def test_example_configs_load() -> None:
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "examples" / "configs"
    files = sorted(folder.glob("*.yaml"))
    assert files, "examples/configs must hold commented example configs"
    for path in files:
        build_config(load_yaml(path))
