"""Where the programs a domain declares (``Domain.executables``) live on this machine.

Each name is resolved once per process, from the ``PATH`` forge started with (an absolute
path is taken as given), so every check, every job and every verdict of a run sees the
same file even if ``PATH`` changes later. The sandbox's program profile
(:mod:`forge.sandbox.profile`) lets a domain's jobs execute exactly these files.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterable

_found: dict[str, str | None] = {}
_lock = threading.Lock()


def locate(name: str) -> str | None:
    """Return the absolute path of program ``name`` (a name on PATH, or an absolute path),
    or None when it is not installed. The answer is computed once and then remembered."""
    with _lock:
        if name not in _found:
            _found[name] = _search(name)
        return _found[name]


def locate_all(names: Iterable[str]) -> dict[str, str]:
    """Return ``{name: absolute path}`` for every name that is installed."""
    found = {name: locate(name) for name in names}
    return {name: path for name, path in found.items() if path is not None}


def forget() -> None:
    """Drop every remembered answer (for tests that install or remove a program)."""
    with _lock:
        _found.clear()


def _search(name: str) -> str | None:
    if os.path.isabs(name):
        return name if os.path.isfile(name) and os.access(name, os.X_OK) else None
    if os.sep in name or not name:
        return None  # a relative path would depend on the folder forge runs in
    path = shutil.which(name)
    return os.path.abspath(path) if path else None
