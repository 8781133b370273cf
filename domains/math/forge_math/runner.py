"""Sandbox runner: decide nothing, measure everything the trusted side needs to decide.

``run(payload)`` runs in a forked, resource-limited child (``forge_math.runner:run``). The
payload holds ASTs built by forge_math's own parser (plain lists), never answer text::

    {"pairs": [[mode, cand_nodes, ref_nodes], ...], "budget_s": 2.0}

``mode`` is ``expr`` (compare two expressions) or ``eq`` (compare two equations, each given as
``[lhs, rhs]``, by the ratio of ``lhs - rhs``). For each pair it returns plain data: whether the
candidate is finite, whether it is constant, its numeric value and the difference at test points
(30 significant digits), and whether a symbolic prover showed the difference to be zero. Each pair
gets a share of ``budget_s``; a prover still running then is stopped and the pair reports
``proved: False`` with a note. The trusted side (:mod:`forge_math.decide`) applies tolerances.
"""

from __future__ import annotations

import math
import signal
import time
from typing import Any

import sympy

from forge_math.build import build

VALUES = tuple(
    sympy.Rational(v) for v in ("2", "3", "-1", "1/2", "7/5", "-5/3", "11")
)  # exact test points; small integers first so feedback can say "at x=2"
SAMPLES = 6
DIGITS = 30
_NON_FINITE = (sympy.nan, sympy.zoo, sympy.oo, -sympy.oo)


class _OutOfTime(BaseException):
    """Raised by the interval timer inside sympy; BaseException so sympy cannot swallow it."""


def run(payload: dict[str, Any]) -> dict[str, Any]:
    """Return ``{"results": [...]}``, one plain-data measurement per pair in ``payload``."""
    pairs = payload["pairs"]
    deadline = time.monotonic() + float(payload.get("budget_s", 2.0))
    results = []
    for k, (mode, cand, ref) in enumerate(pairs):
        share = max(0.05, (deadline - time.monotonic()) / (len(pairs) - k))
        results.append(_timed(mode, cand, ref, share))
    return {"results": results}


def _timed(mode: str, cand: list[Any], ref: list[Any], seconds: float) -> dict[str, Any]:
    """Measure one pair under an interval timer; on expiry return what is known so far.

    The timer repeats every ``_REPEAT_S`` after the first expiry: a tick that lands while
    Python runs a finalizer (``__del__``, a weakref callback, often inside garbage collection)
    is printed as "Exception ignored" and dropped, and a one-shot timer then let the proof run
    on unbudgeted (seen in the full test suite: a 0.5 s budget taking 10.8 s). Each later tick
    raises again until one gets out.
    """
    global _armed
    state: dict[str, Any] = {"proved": False, "note": ""}
    try:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds, _REPEAT_S)
        _armed = True
    except (ValueError, OSError):  # not the main thread: run without a timer
        previous = None
    try:
        try:
            _measure(mode, cand, ref, state)
        finally:
            if previous is not None:
                _disarm()
    except _OutOfTime:
        state["note"] = f"stopped after {seconds:.2f}s"
    except Exception as exc:  # noqa: BLE001 - any sympy failure is reported, not raised
        state["note"] = f"{type(exc).__name__}: {str(exc)[:200]}"
    finally:
        if previous is not None:
            signal.signal(signal.SIGALRM, previous)
    return state


_REPEAT_S = 0.05
_armed = False


def _disarm() -> None:
    """Stop the repeating timer, retrying if a last tick lands while it is being stopped."""
    global _armed
    while True:
        try:
            _armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            return
        except _OutOfTime:
            continue


def _alarm(signum: int, frame: Any) -> None:
    if _armed:
        raise _OutOfTime


def _measure(mode: str, cand: list[Any], ref: list[Any], out: dict[str, Any]) -> None:
    """Measure one pair into ``out``, publishing partial results as they are found."""
    a, b = (build(cand[0]), build(ref[0])) if mode == "expr" else _eq_sides(cand, ref)
    out["cand_finite"] = not a.has(*_NON_FINITE)
    if not out["cand_finite"] or b.has(*_NON_FINITE):
        out["note"] = "not finite"
        return
    symbols = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)
    out["const"] = not symbols
    target = a / b if mode == "eq" else a - b
    out["samples"] = []
    _samples(target, a, b, symbols, mode, out["samples"])
    if symbols and not _differs(out["samples"]):
        out["proved"] = _prove(target, mode)


def _eq_sides(cand: list[Any], ref: list[Any]) -> tuple[sympy.Expr, sympy.Expr]:
    return build(cand[0]) - build(cand[1]), build(ref[0]) - build(ref[1])


def _samples(target, a, b, symbols, mode: str, samples: list[dict[str, Any]]) -> None:
    """Append one measurement per test point to ``samples`` (the point, both values, the diff)."""
    points = [{}] if not symbols else [_point(symbols, j) for j in range(SAMPLES)]
    first = None
    for point in points:
        value = _number(target.xreplace(point))
        if mode == "eq" and value is not None:  # equations agree when the ratio is constant
            first = value if first is None else first
            diff = None if first == 0 else [value[0] - first[0], value[1] - first[1]]
        else:
            diff = value
        samples.append(
            {
                "point": {s.name: str(v) for s, v in point.items()},
                "cand": _number(a.xreplace(point)),
                "ref": _number(b.xreplace(point)),
                "diff": diff,
            }
        )


def _point(symbols: list[sympy.Symbol], j: int) -> dict[sympy.Symbol, Any]:
    return {s: VALUES[(j + 2 * k) % len(VALUES)] for k, s in enumerate(symbols)}


def _number(expr: sympy.Expr) -> list[float] | None:
    """Return ``[re, im]`` of ``expr`` at 30 digits, or None when it is not a finite number."""
    value = expr.evalf(DIGITS)
    if value.has(*_NON_FINITE) or value.free_symbols or not value.is_number:
        return None
    re, im = value.as_real_imag()
    try:
        pair = [float(re), float(im)]
    except TypeError:
        return None
    return pair if all(math.isfinite(v) for v in pair) else None


def _differs(samples: list[dict[str, Any]]) -> bool:
    for s in samples:
        d = s["diff"]
        if d is not None and abs(complex(*d)) > 1e-9 * max(
            1.0, abs(complex(*(s["ref"] or [0, 0])))
        ):
            return True
    return False


def _prove(target: sympy.Expr, mode: str) -> bool:
    """Return True when a symbolic simplification shows the pair equal (zero or constant ratio)."""

    def done(e: sympy.Expr) -> bool:
        return not e.free_symbols and e != 0 if mode == "eq" else e == 0

    steps = (lambda e: e, sympy.cancel, sympy.expand, sympy.together, sympy.simplify)
    for step in steps:
        if done(step(target)):
            return True
    return False
