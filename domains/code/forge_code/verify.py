"""Verify candidate code: one sandbox job runs every call, the trusted side judges the results.

Only inputs cross into the sandbox. Expected values stay here; :func:`values_match` decides
each plain result. HumanEval checks that are not a plain ``==`` (loops, tolerances, helper
functions) are re-run by :mod:`forge_code.humaneval.judge` with the candidate's outputs
substituted as plain data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from forge import sanitize
from forge.types import CaseResult, Verdict
from forge_code.compare import values_match
from forge_code.extract import NO_CODE_MESSAGE, TOO_LONG, TOO_LONG_MESSAGE
from forge_code.plaindata import from_json, identical

RUNNER = "forge_code.runner:run"
DEFAULT_CALL_S = 1.0
MEMORY_MB = 512
SANDBOX_STATUSES = ("timeout", "memory", "output_limit", "crash", "rejected", "error")


@dataclass(frozen=True)
class CaseSpec:
    """One test case: one call (a plain ``==`` test) or a group of calls checked together."""

    name: str
    calls: tuple[tuple[Any, Any], ...]  # (arguments, expected or reference output)
    hidden: bool = False
    check: str = ""  # the assert's source, for grouped HumanEval checks
    group: int | None = None  # index of the check statement for the judge; None = plain ==


def case_specs(data: Any) -> list[CaseSpec]:
    """Return the public then hidden cases described by a task's ``data``.

    Values in ``data`` are JSON, optionally tagged by :func:`forge_code.plaindata.to_json`
    (``{"__tuple__": [...]}``), so a task survives being stored as JSON and read back.
    """
    specs: list[CaseSpec] = []
    for key, hidden, prefix in (("tests", False, "test"), ("hidden_tests", True, "hidden")):
        for i, test in enumerate(data.get(key, ()), start=1):
            if "calls" in test:
                calls = tuple(
                    (from_json(c["input"]), from_json(c["expected"])) for c in test["calls"]
                )
            else:
                calls = ((from_json(test["input"]), from_json(test["expected"])),)
            specs.append(
                CaseSpec(f"{prefix}{i}", calls, hidden, test.get("check", ""), test.get("group"))
            )
    return specs


def verify_code(task: Any, source: str | None, sandbox: Any) -> Verdict:
    """Run ``source`` against every case of ``task`` in ``sandbox``; return the Verdict.

    Never raises for anything the candidate did: the verdict is built on the trusted side,
    capped and cleaned (:func:`forge.sanitize.guard`).
    """
    if source is None:
        return Verdict(status="invalid", message=NO_CODE_MESSAGE)
    if source == TOO_LONG:
        return Verdict(status="invalid", message=TOO_LONG_MESSAGE)
    return sanitize.guard(lambda: _run(task, source, sandbox))


def _run(task: Any, source: str, sandbox: Any) -> Verdict:
    """Send one job with every call and judge what comes back."""
    from forge.sandbox import Job, Limits

    specs = case_specs(task.data)
    calls = [args for spec in specs for args, _ in spec.calls]
    call_s = float(task.data.get("timeout_s", DEFAULT_CALL_S))
    wall_s = 2.0 * call_s + len(calls) // 50
    payload = {
        "source": source,
        "entry_point": task.data["entry_point"],
        "preamble": task.data.get("preamble", ""),
        "calls": calls,
        "call_s": call_s,
    }
    limits = Limits(wall_s=wall_s, cpu_s=wall_s + 1.0, memory_mb=MEMORY_MB)
    result = sandbox.run(Job(runner=RUNNER, payload=payload, limits=limits))
    return _verdict(task, specs, calls, result, sandbox)


def _verdict(
    task: Any, specs: list[CaseSpec], calls: list[Any], result: Any, sandbox: Any
) -> Verdict:
    """Turn the sandbox's JobResult into a Verdict (never raises on odd results)."""
    common = {"duration_s": result.duration_s, "isolation": tuple(result.isolation)}
    if result.status != "ok":
        status = result.status if result.status in SANDBOX_STATUSES else "error"
        return Verdict(
            status=status, cases=_not_run(specs, result.message), message=result.message, **common
        )
    value = result.value
    if not _well_formed(value, len(calls)):
        message = "the runner returned a malformed result (did the code tamper with it?)"
        return Verdict(status="error", cases=_not_run(specs, message), message=message, **common)
    if value["setup"] is not None:
        kind, exc_type, text, line, code = value["setup"]
        message = text if kind == "timeout" else error_text(exc_type, text, line, code)
        status = "timeout" if kind == "timeout" else "error"
        return Verdict(status=status, cases=_not_run(specs, message), message=message, **common)
    cases = _judge_cases(task, specs, value["results"], sandbox)
    return Verdict(status=_status(cases), cases=tuple(cases), message=_summary(cases), **common)


def _judge_cases(
    task: Any, specs: list[CaseSpec], results: list[Any], sandbox: Any
) -> list[CaseResult]:
    """Compare per-call results with expected values; grouped checks may go to the judge."""
    cases: list[CaseResult | None] = []
    pending: dict[int, tuple[int, CaseSpec, list[Any]]] = {}
    index = 0
    for spec in specs:
        mine = results[index : index + len(spec.calls)]
        index += len(spec.calls)
        failure = next((i for i, r in enumerate(mine) if r[0] != "ok"), None)
        if failure is not None:
            cases.append(_failed_call(spec, failure, mine[failure]))
        elif spec.group is None:
            (args, expected), got = spec.calls[0], mine[0][1]
            cases.append(_case(spec, values_match(got, expected), args, expected, got))
        elif all(identical(r[1], exp) for r, (_, exp) in zip(mine, spec.calls, strict=False)):
            args, expected = spec.calls[0]
            cases.append(_case(spec, True, args, expected, mine[0][1]))
        else:
            pending[spec.group] = (len(cases), spec, [r[1] for r in mine])
            cases.append(None)
    if pending:
        from forge_code.humaneval.judge import judge_groups

        for group, (passed, at, message) in judge_groups(task, pending, sandbox).items():
            slot, spec, outputs = pending[group]
            pick = min(max(at - 1, 0), len(spec.calls) - 1)
            args, expected = spec.calls[pick]
            cases[slot] = _case(spec, passed, args, expected, outputs[pick], message)
    return [c for c in cases if c is not None]


def _case(
    spec: CaseSpec, passed: bool, args: Any, expected: Any, got: Any, message: str = ""
) -> CaseResult:
    """Return the CaseResult for a case that ran; a failed check gets its assert as message."""
    return CaseResult(
        name=spec.name,
        passed=passed,
        input=args,
        expected=expected,
        got=got,
        message=message or ("" if passed or not spec.check else f"check failed: {spec.check}"),
        hidden=spec.hidden,
    )


def _failed_call(spec: CaseSpec, i: int, entry: list[Any]) -> CaseResult:
    """Return the failed CaseResult for a call that raised, timed out or returned non-plain data."""
    args, expected = spec.calls[i]
    if entry[0] == "timeout":
        seconds = entry[1] if type(entry[1]) in (int, float) else 0
        message = f"timed out after {seconds:g}s"
    elif entry[0] == "error":
        message = "raised " + error_text(*entry[1:5])
    else:
        message = str(entry[1])
    return CaseResult(spec.name, False, args, expected, None, message, spec.hidden)


def error_text(exc_type: str, text: str, line: int, code: str) -> str:
    """Return ``ZeroDivisionError: division by zero (line 3: return a / b)``."""
    head = f"{exc_type}: {text}" if exc_type and text else str(exc_type or text)
    if line and code:
        return f"{head} (line {line}: {code})"
    return f"{head} (line {line})" if line else head


def _not_run(specs: list[CaseSpec], message: str) -> tuple[CaseResult, ...]:
    """Return every case as failed with ``not run: <why>`` (the code never reached the tests)."""
    return tuple(
        CaseResult(
            s.name, False, s.calls[0][0], s.calls[0][1], None, f"not run: {message}", s.hidden
        )
        for s in specs
    )


def _status(cases: list[CaseResult]) -> str:
    """passed / timeout (some call timed out) / error (every case raised) / failed."""
    if all(c.passed for c in cases):
        return "passed"
    if any(c.message.startswith("timed out") for c in cases):
        return "timeout"
    if all(c.message.startswith("raised ") for c in cases):
        return "error"
    return "failed"


def _summary(cases: list[CaseResult]) -> str:
    """Return ``3/6 tests passed`` over public cases."""
    public = [c for c in cases if not c.hidden]
    return f"{sum(c.passed for c in public)}/{len(public)} tests passed"


def _well_formed(value: Any, n_calls: int) -> bool:
    """Return True if the runner's result has the documented shape (the candidate shares its process)."""
    if type(value) is not dict or set(value) != {"setup", "results"}:
        return False
    setup, results = value["setup"], value["results"]
    if setup is not None:
        return _entry_ok(setup, _SETUP)
    if type(results) is not list or len(results) != n_calls:
        return False
    return all(
        type(r) is list and r and type(r[0]) is str and _entry_ok(r, _SHAPES.get(r[0], ()))
        for r in results
    )


_LINE = (int,)
_SETUP = ((str,), (str,), (str,), _LINE, (str,))  # kind, type, message, line, code
_SHAPES: dict[str, tuple[tuple[type, ...], ...]] = {
    "ok": ((str,), (object,)),
    "timeout": ((str,), (int, float)),
    "bad": ((str,), (str,)),
    "error": ((str,), (str,), (str,), _LINE, (str,)),
}


def _entry_ok(entry: Any, shape: tuple[tuple[type, ...], ...]) -> bool:
    """True if ``entry`` is a list whose items have exactly the types ``shape`` names."""
    if type(entry) is not list or len(entry) != len(shape) or not shape:
        return False
    for item, types in zip(entry, shape, strict=True):
        if types == (object,):
            continue  # a return value: judged by the comparison policy
        if type(item) not in types:
            return False
        if type(item) in (int, float) and not -1e9 < item < 1e9:  # a line or seconds, no bomb
            return False
    return True
