"""Child-side analysis: list what a piece of Python code imports. Runs inside the sandbox.

Parsing untrusted source can take a lot of time or memory (deeply nested expressions),
so even this static check runs in a sandboxed child. It reports what it finds and never
decides pass or fail.
"""

from __future__ import annotations

import ast
from typing import Any

_DYNAMIC = {"__import__", "import_module", "exec", "eval", "compile"}


def imported_modules(payload: dict[str, Any]) -> dict[str, Any]:
    """Return ``{"imports": [[module, line], ...], "dynamic": [[name, line], ...]}``.

    ``module`` is the top-level package name (``os`` for ``import os.path``); a relative
    import is reported as ``"."``. Code that does not parse gives ``{"syntax_error": "..."}``.
    """
    try:
        tree = ast.parse(payload["source"])
    except SyntaxError as exc:
        return {"syntax_error": f"{exc.msg} (line {exc.lineno})"}
    imports, dynamic = [], []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imports += [[a.name.split(".")[0], node.lineno] for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = "." if node.level else (node.module or "").split(".")[0]
            imports.append([module, node.lineno])
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in _DYNAMIC:
                dynamic.append([name, node.lineno])
    return {"imports": imports, "dynamic": dynamic}
