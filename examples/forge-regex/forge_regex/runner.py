"""Child-side matching: the only code that touches an untrusted pattern, run inside the sandbox.

Python's ``re`` has no timeout, so a catastrophically backtracking pattern would spin
forever here; the sandbox's wall-clock limit kills the child and the trusted side turns
that into a ``timeout`` verdict. The runner never sees which strings should match.
"""

from __future__ import annotations

import re
from typing import Any


def match_all(payload: dict[str, Any]) -> dict[str, Any]:
    """Return ``{"matched": [bool, ...]}`` (fullmatch per string) or ``{"error": "..."}``.

    Called in a sandboxed child with ``{"pattern": str, "strings": [str, ...]}``.
    """
    try:
        compiled = re.compile(payload["pattern"])
    except re.error as exc:
        return {"error": f"the pattern does not compile: {exc}"}
    except Exception as exc:  # noqa: BLE001 - RecursionError, OverflowError, ... are answers too
        return {"error": f"the pattern does not compile: {type(exc).__name__}: {exc}"}
    return {"matched": [compiled.fullmatch(s) is not None for s in payload["strings"]]}
