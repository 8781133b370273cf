"""ImportGuard: fail code answers that import modules outside an allow-list.

An extra verifier (``register_verifiers`` hook) runs after the ``code`` domain's own
tests. Its verdict has one failing case per disallowed import; forge's
:func:`forge.verifiers.combine` appends those cases, so a solution that passes every test
but imports ``os`` ends as ``failed`` with feedback naming the import.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from forge.sandbox import Job, Limits
from forge.types import CaseResult, Task, Verdict

DEFAULT_ALLOWED = frozenset(
    {
        "__future__", "abc", "array", "bisect", "cmath", "collections", "copy", "dataclasses",
        "datetime", "decimal", "enum", "fractions", "functools", "heapq", "itertools", "json",
        "math", "numbers", "operator", "random", "re", "statistics", "string", "textwrap",
        "typing", "unicodedata",
    }
)  # fmt: skip
ENV_ALLOW = "FORGE_IMPORT_GUARD_ALLOW"
RUNNER = "forge_import_guard.runner:imported_modules"


def allowed_from_env(base: Iterable[str] = DEFAULT_ALLOWED) -> frozenset[str]:
    """Return ``base`` plus the comma-separated module names in ``FORGE_IMPORT_GUARD_ALLOW``."""
    extra = os.environ.get(ENV_ALLOW, "")
    return frozenset(base) | {m.strip() for m in extra.split(",") if m.strip()}


class ImportGuard:
    """An extra verifier: every import must name a module on the allow-list."""

    name = "import-guard"

    def __init__(self, allowed: Iterable[str] | None = None) -> None:
        self.allowed = frozenset(allowed) if allowed is not None else allowed_from_env()

    def check(self, task: Task, artifact: str, verdict: Verdict, sandbox: Any) -> Verdict | None:
        """Return a verdict with one failing case per disallowed import, or None.

        Called by forge after the domain's own verification, for every artifact. Code
        that does not parse adds nothing (the domain already reports the syntax error).
        """
        result = sandbox.run(Job(RUNNER, {"source": artifact}, Limits(wall_s=2.0, cpu_s=2.0)))
        timing = {"duration_s": result.duration_s, "isolation": tuple(result.isolation)}
        value = result.value if result.status == "ok" and isinstance(result.value, dict) else None
        if value is None:
            why = f"could not analyse the imports: {result.message or result.status}"
            case = CaseResult(name="imports", passed=False, message=why)
            return Verdict("error", cases=(case,), message=why, **timing)
        if "syntax_error" in value:
            return None
        cases = self._cases(value)
        message = "; ".join(c.message for c in cases)
        return Verdict("failed" if cases else "passed", cases=cases, message=message, **timing)

    def _cases(self, value: dict[str, Any]) -> tuple[CaseResult, ...]:
        """Turn the child's findings into failing cases (plain data checked, not trusted)."""
        cases = []
        for module, line in _pairs(value.get("imports")):
            if module not in self.allowed:
                what = "uses a relative import" if module == "." else f"imports '{module}'"
                cases.append(
                    CaseResult(
                        name=f"import {module}",
                        passed=False,
                        got=module,
                        message=f"line {line} {what}, which is not on the allow-list",
                    )
                )
        for name, line in _pairs(value.get("dynamic")):
            cases.append(
                CaseResult(
                    name=f"{name}()",
                    passed=False,
                    got=name,
                    message=f"line {line} calls {name}(), which can import or run anything",
                )
            )
        return tuple(cases)


def _pairs(items: Any) -> list[tuple[str, int]]:
    """Return the well-formed ``[str, int]`` items of ``items`` (anything else is dropped)."""
    if not isinstance(items, list):
        return []
    return [
        (x[0], x[1])
        for x in items
        if isinstance(x, list) and len(x) == 2 and isinstance(x[0], str) and type(x[1]) is int
    ]
