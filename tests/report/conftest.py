"""Fixtures for the report tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.report.synth import SUMMARY, make_run


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """Return a finished synthetic run folder (store, summary.json, config.yaml)."""
    return make_run(tmp_path / "runs" / SUMMARY["run_id"])
