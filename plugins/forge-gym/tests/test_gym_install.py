"""The install: requirements.txt is exactly reasoning-gym's requirements (pycosat aside)."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

REQUIREMENTS = Path(__file__).parents[1] / "requirements.txt"


def test_requirements_match_reasoning_gyms_metadata() -> None:
    ours = {
        Requirement(line).name: str(Requirement(line).specifier)
        for line in REQUIREMENTS.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    theirs = {
        r.name: str(r.specifier)
        for r in map(Requirement, metadata.requires("reasoning-gym") or [])
        if r.marker is None
    }
    assert ours == {k: v for k, v in theirs.items() if k != "pycosat"}
    assert theirs["pycosat"] == "==0.6.6"  # the one installed on its own by scripts/setup.sh
