"""Task sources: specs, options, difficulty, keys, the train/held-out ranges and mixtures."""

from __future__ import annotations

from pathlib import Path

import pytest
from forge.errors import TaskFormatError, UnknownNameError
from forge.plugins import get_domain
from forge.tasks import load_tasks

from forge_gym import keys, rg
from forge_gym.sources import load_mixture


def gym():
    """The gym domain (looked up in each test, after conftest loaded the plugin)."""
    return get_domain("gym")


def tasks(spec: str):
    return load_tasks(gym(), spec)


def test_spec_with_options_records_generator_version_and_config() -> None:
    found = tasks("gym:basic_arithmetic?size=4&seed=1000&min_terms=2&max_terms=2")
    assert [t.id for t in found] == [f"basic_arithmetic@{k}" for k in range(1000, 1004)]
    data = found[0].data
    assert data["reasoning_gym"] == rg.version() == "0.1.25"
    assert data["options"] == {"min_terms": 2, "max_terms": 2}
    assert data["config"]["min_terms"] == data["config"]["max_terms"] == 2
    assert found[0].source == "gym:basic_arithmetic?size=4&seed=1000&max_terms=2&min_terms=2"


def test_prefix_is_optional_and_the_same_items_come_back() -> None:
    assert [t.prompt for t in tasks("chain_sum?size=2")] == [
        t.prompt for t in tasks("gym:chain_sum?size=2")
    ]


def test_ids_are_absolute_keys_seed_plus_index() -> None:
    """reasoning-gym's seed 10 item 3 is seed 13 item 0: both become chain_sum@13."""
    a = {t.id: t.prompt for t in tasks("gym:chain_sum?seed=10&size=5")}
    b = {t.id: t.prompt for t in tasks("gym:chain_sum?seed=13&size=1")}
    assert b == {"chain_sum@13": a["chain_sum@13"]}


@pytest.mark.parametrize("name", sorted(rg.KEYING))
def test_generators_not_keyed_by_seed_plus_index_are_still_keyed_by_key(name: str) -> None:
    first = {t.id: t.prompt for t in tasks(f"gym:{name}?seed=0&size=3")}
    later = {t.id: t.prompt for t in tasks(f"gym:{name}?seed=2&size=1")}
    assert later == {f"{name}@2": first[f"{name}@2"]}


def test_difficulty_changes_the_config_and_the_task_difficulty() -> None:
    easy, hard = (
        tasks("gym:chain_sum?difficulty=0&size=1")[0],
        tasks("gym:chain_sum?difficulty=3&size=1")[0],
    )
    assert (easy.difficulty, hard.difficulty) == (1, 4)
    assert easy.data["config"]["max_terms"] < hard.data["config"]["max_terms"]


def test_heldout_split_uses_its_own_key_range() -> None:
    train = tasks("gym:chain_sum?size=100")
    held = tasks("gym:chain_sum?size=50&split=heldout")
    assert {t.id for t in train}.isdisjoint(t.id for t in held)
    assert min(t.data["key"] for t in held) == keys.HELDOUT_BASE
    assert {t.prompt for t in train}.isdisjoint(t.prompt for t in held)


def test_training_range_may_not_reach_the_heldout_keys() -> None:
    with pytest.raises(TaskFormatError, match="reaches the held-out keys"):
        tasks(f"gym:chain_sum?seed={keys.HELDOUT_BASE - 5}&size=10")


@pytest.mark.parametrize(
    ("spec", "error", "message"),
    [
        ("gym:chain_summ", UnknownNameError, "Did you mean 'chain_sum'?"),
        (
            "gym:chain_sum?min_term=2",
            TaskFormatError,
            "unknown option 'min_term' for generator 'chain_sum'. Did you mean 'min_terms'?",
        ),
        ("gym:chain_sum?min_terms=two", TaskFormatError, "min_terms: 'two' is not a valid int"),
        ("gym:chain_sum?min_terms=0", TaskFormatError, "these options are not valid (min_terms=0)"),
        ("gym:chain_sum?size=0", TaskFormatError, "size must be 1 and 100000, not 0"),
        ("gym:chain_sum?split=test", TaskFormatError, "split must be train or heldout"),
        ("gym:chain_sum?difficulty=99", TaskFormatError, "difficulty must be 0 to 10, not 99"),
        ("gym:chain_sum?size", TaskFormatError, "option 'size' has no value"),
        (
            "gym:game_of_life_halting",
            TaskFormatError,
            "is excluded: its scorer failed the conformance check",
        ),
    ],
)
def test_malformed_specs_are_one_line_errors(spec, error, message) -> None:
    with pytest.raises(error) as info:
        tasks(spec)
    assert message in info.value.one_line() and "\n" not in info.value.one_line()


def test_unsound_generator_can_be_allowed_explicitly() -> None:
    assert len(tasks("gym:game_of_life_halting?size=2&allow_unsound=1")) == 2


def test_mixture_weights_difficulty_and_disjoint_entries(tmp_path: Path) -> None:
    mix = tmp_path / "mix.yaml"
    mix.write_text(
        "size: 9\nseed: 5\ngenerators:\n"
        "  - {name: chain_sum, weight: 2, difficulty: 0}\n"
        "  - {name: chain_sum, difficulty: 2}\n"
    )
    found = load_mixture(str(mix))
    assert sorted(t.data["key"] for t in found) == list(range(5, 14))
    assert [t.data["difficulty"] for t in found].count(0) == 6
    assert [t.data["difficulty"] for t in found][:3] in ([0, 2, 0], [0, 0, 2])  # interleaved


def test_mix_set_overrides_the_file(tmp_path: Path) -> None:
    mix = tmp_path / "mix.yaml"
    mix.write_text("size: 4\ngenerators:\n  - name: chain_sum\n  - name: spell_backward\n")
    train = load_tasks(gym(), str(mix))
    held = tasks(f"gym:mix?file={mix}&split=heldout&size=6")
    assert len(train) == 4 and len(held) == 6
    assert {t.id for t in train}.isdisjoint(t.id for t in held)
    assert all(t.data["split"] == "heldout" for t in held)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("generators: [\n  - name: x\n", "mix.yaml:2: expected the node content"),
        ("size: 3\ngenrators: []\n", "unknown key 'genrators'. Did you mean 'generators'?"),
        ("size: 3\ngenerators:\n  - name: chain_sun\n", "Did you mean 'chain_sum'?"),
        ("generators:\n  - name: chain_sum\n", "give a total 'size'"),
        (
            "size: 4\ngenerators:\n  - {name: chain_sum, seed: 0, size: 2}\n  - {name: chain_sum, seed: 1, size: 2}\n",
            "share item keys 1..1",
        ),
    ],
)
def test_bad_mixtures_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    mix = tmp_path / "mix.yaml"
    mix.write_text(text)
    with pytest.raises((TaskFormatError, UnknownNameError)) as info:
        load_tasks(gym(), str(mix))
    assert message in info.value.one_line() and "\n" not in info.value.one_line()


def test_builtin_set_loads() -> None:
    found = gym().load_tasks(None)
    assert len(found) >= 20 and len({t.data["generator"] for t in found}) >= 3


def test_enum_options_are_converted_and_checked() -> None:
    found = tasks("gym:word_sorting?size=2&transformation=uppercase")
    assert found[0].data["options"] == {"transformation": "uppercase"}
    with pytest.raises(TaskFormatError, match="'bogus' is not one of lowercase, uppercase"):
        tasks("gym:word_sorting?size=2&transformation=bogus")
