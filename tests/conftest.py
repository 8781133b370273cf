"""Test-session settings shared by every test folder.

FORGE_HOME points at one cache inside the checkout (ignored by git), so converted models
and cached expected values are built once per machine, never in the user's own cache.

Only forge's own plugins load (the ``forge`` entry points of the ``forge`` distribution):
a developer who installed a third-party plugin (the tutorial's, say) gets the same results
as CI. A test that needs another plugin registers it itself, or sets FORGE_LOAD_PLUGINS.
"""

from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("FORGE_HOME", str(ROOT / ".forge" / "test-home"))


def builtin_plugins() -> list[str]:
    """Return the entry-point names forge's own distribution registers in group ``forge``."""
    return sorted(
        ep.name for ep in metadata.distribution("forge").entry_points if ep.group == "forge"
    )


os.environ["FORGE_LOAD_PLUGINS"] = ",".join(builtin_plugins())
