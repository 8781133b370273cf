"""Built-in runners: the reference ``call_function`` runner and a few tiny helpers.

Runners execute inside the sandboxed child. They return plain data; the trusted side
compares it with expected values, which never reach this process.
"""

from __future__ import annotations

from typing import Any

from forge.sandbox import codec

CANDIDATE_FILE = "<candidate>"
_ERROR_CHARS = 500


def call_function(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Run ``payload["source"]`` and call ``entry_point`` once per entry of ``args_list``.

    Returns one dict per call: ``{"ok": True, "value": v}`` or ``{"ok": False, "error":
    "ExcType: message", "line": n}`` (``line`` in the candidate source, or None). Errors
    while compiling or running the module body propagate, so the job's status is "error".
    A value that is not plain data becomes a per-call error naming its type.
    """
    source = payload["source"]
    namespace: dict[str, Any] = {"__name__": "__candidate__", "__builtins__": __builtins__}
    exec(compile(source, CANDIDATE_FILE, "exec"), namespace)  # noqa: S102 - this is the sandbox
    entry = payload["entry_point"]
    fn = namespace.get(entry)
    if not callable(fn):
        raise NameError(f"name '{entry}' is not defined as a function")
    return [_call_one(fn, args) for args in payload.get("args_list", [])]


def _call_one(fn: Any, args: Any) -> dict[str, Any]:
    try:
        value = fn(*args)
    except MemoryError:
        raise
    except (Exception, SystemExit, KeyboardInterrupt) as exc:
        return {"ok": False, "error": _describe(exc)[:_ERROR_CHARS], "line": _line(exc)}
    try:
        codec.encode(value, 1 << 62)
    except (codec.NotPlain, RecursionError) as exc:
        return {"ok": False, "error": f"returned a non-plain value: {exc}", "line": None}
    return {"ok": True, "value": value}


def _describe(exc: BaseException) -> str:
    from forge.sandbox.child import describe

    return describe(exc)


def _line(exc: BaseException) -> int | None:
    """Return the last line of the candidate's own code in ``exc``'s traceback, or None."""
    line, tb, steps = None, exc.__traceback__, 0
    while tb is not None and steps < 10000:
        if tb.tb_frame.f_code.co_filename == CANDIDATE_FILE:
            line = tb.tb_lineno
        tb, steps = tb.tb_next, steps + 1
    return line


def echo(payload: Any) -> Any:
    """Return ``payload`` unchanged (tests and benchmarks of the channel itself)."""
    return payload


def exec_source(payload: dict[str, Any]) -> Any:
    """Execute ``payload["source"]`` and return the module variable ``result`` (or None)."""
    namespace: dict[str, Any] = {"__name__": "__candidate__"}
    exec(compile(payload["source"], CANDIDATE_FILE, "exec"), namespace)  # noqa: S102
    return namespace.get("result")
