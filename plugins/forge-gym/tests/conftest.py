"""Load the gym plugin for these tests (forge's own suite loads only forge's own plugins)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from forge.plugins import reset_manager


@pytest.fixture(autouse=True, scope="module")
def gym_plugin_loaded() -> Iterator[None]:
    """Add ``gym`` to FORGE_LOAD_PLUGINS (when it is set) for this module, then restore it."""
    old = os.environ.get("FORGE_LOAD_PLUGINS")
    if old is not None:
        os.environ["FORGE_LOAD_PLUGINS"] = f"{old},gym"
    reset_manager()
    yield
    if old is not None:
        os.environ["FORGE_LOAD_PLUGINS"] = old
    reset_manager()
