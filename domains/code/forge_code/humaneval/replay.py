"""Sandbox runners for HumanEval test code (run in the forked child, never in the main process).

``record``: run the canonical solution through ``check``'s statements and record every
``candidate(...)`` call as plain ``[arguments, output]``, plus where each statement ends.
``judge``: run the statements again with a stub ``candidate`` that returns given outputs
(a candidate's, as plain data) and report which groups' asserts hold.

Both seed ``random`` with ``SEED + i`` before statement ``i``, so the inputs a statement
draws do not depend on how earlier statements went.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from forge_code.plaindata import is_plain

SEED = 1234
_MSG_LIMIT = 100


class Diverged(Exception):
    """The test code called ``candidate`` with other inputs than were recorded."""


def record(payload: dict[str, Any]) -> dict[str, Any]:
    """Run the canonical solution through every statement; return calls, bounds and errors."""
    ns = _namespace(payload["module"])
    func = ns[payload["entry_point"]]
    calls: list[list[Any]] = []

    def candidate(*args: Any, **kwargs: Any) -> Any:
        if kwargs:
            raise TypeError("keyword arguments to candidate are not supported")
        saved = copy.deepcopy(list(args))
        out = func(*copy.deepcopy(args))
        if not (is_plain(saved) and is_plain(out)):
            raise TypeError(f"non-plain value in call {len(calls)}")
        calls.append([saved, copy.deepcopy(out)])
        return out

    ns["candidate"] = candidate
    bounds, errors = [], []
    for i, source in enumerate(payload["statements"]):
        errors.append(_run_statement(ns, i, source))
        bounds.append(len(calls))
    return {"calls": calls, "bounds": bounds, "errors": errors}


def judge(payload: dict[str, Any]) -> dict[str, Any]:
    """Re-run the statements with ``candidate`` replaced by recorded outputs.

    Payload: ``module``, ``statements``, ``calls`` (``[[args, output], ...]`` to replay),
    ``bounds`` and ``groups`` (statement indexes to report). Returns
    ``{"groups": {str(i): [passed, calls_used_in_group, message]}}``.
    """
    ns = _namespace(payload["module"])
    calls, bounds = payload["calls"], payload["bounds"]
    state = {"next": 0}

    def candidate(*args: Any) -> Any:
        i = state["next"]
        if i >= len(calls) or list(args) != calls[i][0]:
            raise Diverged("the test's inputs changed with the returned values")
        state["next"] = i + 1
        return copy.deepcopy(calls[i][1])

    ns["candidate"] = candidate
    wanted = set(payload["groups"])
    report: dict[str, list[Any]] = {}
    start = 0
    for i, source in enumerate(payload["statements"]):
        state["next"] = bounds[i - 1] if i else 0  # resynchronise after a failed statement
        error = _run_statement(ns, i, source)
        if i in wanted:
            report[str(i)] = [error is None, state["next"] - start, error or ""]
        if payload["closes"][i]:
            start = bounds[i]
    return {"groups": report}


def _namespace(module: str) -> dict[str, Any]:
    """Execute the trusted module (prompt, canonical solution, test helpers) into a namespace."""
    ns: dict[str, Any] = {"__name__": "__humaneval__"}
    exec(compile(module, "<humaneval>", "exec"), ns)  # noqa: S102 - trusted test code, in the sandbox
    return ns


def _run_statement(ns: dict[str, Any], i: int, source: str) -> str | None:
    """Run one statement of ``check``; return None or a one-line reason it failed."""
    random.seed(SEED + i)
    try:
        exec(compile(source, f"<check:{i}>", "exec"), ns)  # noqa: S102 - trusted test code
    except AssertionError as exc:
        return "check failed: " + _failing_line(exc, i, source)
    except Diverged as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - report, never raise
        return f"check raised {type(exc).__name__}: {str(exc)[:_MSG_LIMIT]}"
    return None


def _failing_line(exc: BaseException, i: int, source: str) -> str:
    """Return the source line of ``check`` statement ``i`` where ``exc`` was raised."""
    lines, number = source.splitlines(), 1
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == f"<check:{i}>":
            number = tb.tb_lineno
        tb = tb.tb_next
    line = lines[number - 1].strip() if 0 < number <= len(lines) else ""
    return line if len(line) <= _MSG_LIMIT else line[: _MSG_LIMIT - 3] + "..."
