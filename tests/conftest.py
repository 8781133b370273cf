"""Test-session settings shared by every test folder.

FORGE_HOME points at one cache inside the checkout (ignored by git), so converted models
and cached expected values are built once per machine, never in the user's own cache.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("FORGE_HOME", str(ROOT / ".forge" / "test-home"))
os.environ.pop("FORGE_LOAD_PLUGINS", None)
