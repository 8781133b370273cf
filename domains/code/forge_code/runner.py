"""Sandbox runner for candidate code: runs in the forked child, never in the main process.

``run(payload)`` compiles and executes the candidate's source, then calls its entry point once
per input with deep-copied arguments, and returns per-call results as plain data. It never
sees expected values and never decides pass or fail.

Payload: ``{"source": str, "entry_point": str, "preamble": str, "calls": [[arg, ...], ...],
"call_s": float}``. ``preamble`` is trusted code run first (a HumanEval prompt with its
imports and helpers).

Result: ``{"setup": None | [kind, type, message, line, code], "results": [...]}`` where each
result is ``["ok", value]``, ``["error", type, message, line, code]``, ``["timeout", seconds]``
or ``["bad", message]`` (a return value that is not plain data).
"""

from __future__ import annotations

import ast
import builtins
import copy
import signal
import sys
from typing import Any

from forge_code.plaindata import approx_size, is_plain

FILENAME = "<candidate>"
_deepcopy = copy.deepcopy
_MSG_LIMIT = 200
MAX_RESULT_BYTES = 1 << 20  # per call; keeps the result frame far below the sandbox's cap


class _CallTimeout(BaseException):
    """Raised by the per-call alarm; a BaseException so ``except Exception`` cannot swallow it."""


def run(payload: dict[str, Any]) -> dict[str, Any]:
    """Run the candidate on every call in ``payload``; return the plain per-call results."""
    call_s = float(payload.get("call_s", 1.0))
    name = payload["entry_point"]
    _install_alarm()
    namespace: dict[str, Any] = {"__name__": "__candidate__", "__builtins__": builtins}
    preamble = payload.get("preamble", "")
    source, offset = _combine(payload["source"], preamble, name)
    if preamble and not offset:
        exec(compile(preamble, "<prompt>", "exec"), namespace)  # noqa: S102 - trusted prompt
        namespace["__prompt_stub__"] = namespace.get(name)
    setup = _load(source, offset, call_s, namespace)
    if setup is not None:
        return {"setup": setup, "results": []}
    func = namespace.get(name)
    if not callable(func) or func is namespace.get("__prompt_stub__"):
        missing = f"the code does not define function '{name}'"
        return {"setup": ["error", "", missing, 0, ""], "results": []}
    lines = source.splitlines()
    results = [_call(func, args, call_s, lines, offset) for args in payload["calls"]]
    return {"setup": None, "results": results}


def _combine(source: str, preamble: str, name: str) -> tuple[str, int]:
    """Return the code to compile and how many preamble lines precede the candidate's.

    A HumanEval-style completion that is only the indented body is appended to the prompt;
    otherwise the candidate's source stands alone and the prompt runs before it.
    """
    if preamble and source[:1] in (" ", "\t") and not _defines(source, name):
        offset = preamble.count("\n") + (0 if preamble.endswith("\n") else 1)
        return preamble.rstrip("\n") + "\n" + source, offset
    return source, 0


def _load(source: str, offset: int, call_s: float, namespace: dict[str, Any]) -> list[Any] | None:
    """Run ``source`` into ``namespace``; return a setup error entry, or None when it loaded."""
    try:
        code = compile(source, FILENAME, "exec")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        line = getattr(exc, "lineno", 0) or 0
        text = (getattr(exc, "text", "") or "").strip()[:80]
        message = _msg(getattr(exc, "msg", exc))
        return ["error", type(exc).__name__, message, max(line - offset, 0), text]
    try:
        _arm(call_s)
        exec(code, namespace)  # noqa: S102 - runs only inside the sandbox child
        _arm(0)
    except _CallTimeout:
        return ["timeout", "", f"timed out after {call_s:g}s while loading", 0, ""]
    except BaseException as exc:  # noqa: BLE001 - SystemExit and friends are verdicts too
        _arm(0)
        return ["error", *_describe(exc, source.splitlines(), offset)]
    return None


def _call(func: Any, args: Any, call_s: float, lines: list[str], offset: int) -> list[Any]:
    """Call ``func(*args)`` under the per-call alarm; return one result entry."""
    try:
        try:
            _arm(call_s)
            value = func(*_deepcopy(args))
            if not is_plain(value):
                return ["bad", f"returned a non-plain value of type {_type_name(value)}"]
            if approx_size(value, MAX_RESULT_BYTES) > MAX_RESULT_BYTES:
                return ["bad", "returned a value larger than 1 MB"]
            return ["ok", value]
        except _CallTimeout:
            raise
        except BaseException as exc:  # noqa: BLE001 - the candidate may raise anything
            return ["error", *_describe(exc, lines, offset)]
        finally:
            _arm(0)
    except _CallTimeout:
        return ["timeout", call_s]


def _describe(exc: BaseException, lines: list[str], offset: int) -> list[Any]:
    """Return ``[type, message, line, code]`` for an exception raised by candidate code."""
    line = 0
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    code = lines[line - 1].strip()[:80] if 0 < line <= len(lines) else ""
    return [_type_name(exc), _msg(exc), line - offset if line else 0, code]


def _msg(exc: Any) -> str:
    """Return ``str(exc)`` on one line, capped; a broken ``__str__`` gives a placeholder."""
    try:
        text = str(exc)
    except BaseException:  # noqa: BLE001 - hostile __str__
        return "<unprintable message>"
    text = " ".join(text.split()) if isinstance(text, str) else "<unprintable message>"
    return text[:_MSG_LIMIT]


def _type_name(value: Any) -> str:
    """Return the name of ``value``'s type, safe against odd metaclasses."""
    name = getattr(type(value), "__name__", "object")
    return name if type(name) is str else "object"


def _defines(source: str, name: str) -> bool:
    """Return True if ``source`` parses and defines ``name`` at top level (def, class or =)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == name:
                return True
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return True
    return False


def _on_alarm(signum: int, frame: Any) -> None:
    """SIGALRM handler: interrupt the running call."""
    raise _CallTimeout()


def _install_alarm() -> None:
    """Install the SIGALRM handler used for per-call time limits (where the OS has it)."""
    if hasattr(signal, "setitimer"):
        signal.signal(signal.SIGALRM, _on_alarm)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 3000))


def _arm(seconds: float) -> None:
    """Start (or with 0, stop) the per-call alarm."""
    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, max(0.0, seconds))
