"""The scorer conformance check on every generator, and the shipped catalogue it produced."""

from __future__ import annotations

import time

import pytest

from forge_gym import build_catalog, catalog, conformance, rg

KNOWN_UNSOUND = {
    "game_of_life_halting": "the question scored 1.0",  # bool("False") == bool(answer)
    "puzzle24": "the other item's answer scored 1.0",  # never checks the puzzle's numbers
    **{
        n: "no stored answer"
        for n in ("boxnet", "graph_color", "propositional_logic", "rubiks_cube", "rush_hour")
    },
}


@pytest.fixture(scope="module")
def results(forge_sandbox):
    start = time.monotonic()
    items = catalog.catalog()["conformance_items"]
    found = conformance.check(sorted(rg.datasets()), forge_sandbox, items=items)
    return found, time.monotonic() - start


def test_every_generator_is_checked_within_a_bounded_time(results) -> None:
    found, seconds = results
    assert len(found) == len(rg.datasets()) >= 100
    assert seconds < 300, f"the conformance check took {seconds:.0f}s"


def test_the_known_unsound_generators_are_caught(results) -> None:
    found, _ = results
    for name, why in KNOWN_UNSOUND.items():
        assert not found[name].sound and any(why in f for f in found[name].failed), found[name]


def test_the_shipped_catalogue_matches_the_check(results) -> None:
    """catalog.json is what `forge gym check --write` writes now (rerun it when this fails)."""
    found, _ = results
    shipped = catalog.generators()
    assert catalog.catalog()["reasoning_gym"] == rg.version()
    assert build_catalog.entries(found) == shipped


def test_unsound_generators_are_the_excluded_ones() -> None:
    unsound = {n for n, g in catalog.generators().items() if not g["sound"]}
    assert unsound == set(KNOWN_UNSOUND)
    assert set(catalog.sound_names()) == set(rg.datasets()) - unsound


@pytest.mark.parametrize(
    ("text", "changed"),
    [("-14282", "-24282"), ("x**2 + C", "x**3 + C"), ("cos(x)", "dos(x)"), ("", "x")],
)
def test_corruption_is_one_small_change(text: str, changed: str) -> None:
    assert conformance.corrupt(text) == changed
