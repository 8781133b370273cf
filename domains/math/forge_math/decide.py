"""Decide equal / differ / undecided for pairs of parsed values, on the trusted side.

* A candidate holding ``nan`` or ``zoo`` is not a finite number: it differs at once.
* A candidate not written in the task's form differs (:mod:`forge_math.forms`; by default a
  plain-number reference such as ``12`` wants a plain number: ``45/9`` or ``12-5+8`` differ).
* **One rule for decimals:** exact values compare exactly, approximations within a
  tolerance. Rational constants (numbers, fractions, short decimals, percentages) are exact
  and compare **exactly** here, with :class:`fractions.Fraction` (``0.333`` is not ``1/3``).
  A decimal written with at least :data:`APPROX_DIGITS` significant digits, on either side,
  is an approximation (:func:`approximate`), and then the pair compares within the
  tolerance (``0.3333333333333333`` answers ``1/3``, ``3.14159265359`` answers ``pi``). A task
  ``tolerance`` makes every comparison relative.
* Everything else goes, in one job per answer, to the sandboxed runner
  (``forge_math.runner:run``), which returns plain measurements. Constants are then equal when
  ``|a - b| <= tol * max(1, |b|)`` at 30 digits (tol = the task's tolerance, default 1e-9);
  expressions with names are **unequal** when they differ at a test point and **equal** only
  when a symbolic step (cancel, expand, together, simplify) proves the difference zero.
* Anything else -- a proof that runs out of time, a sandbox timeout, crash or error -- is
  **undecided**, which never passes. A candidate that is not finite (``1/0``, ``oo``, ``nan``)
  never passes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from forge_math.exact import TooBig, evaluate
from forge_math.forms import form_problem
from forge_math.parser import non_finite
from forge_math.render import render
from forge_math.shapes import Pair

DEFAULT_RTOL = 1e-9
APPROX_DIGITS = 10
RUNNER = "forge_math.runner:run"
_DECIMAL = re.compile(r"(\d*)\.(\d+)")


def approximate(text: str) -> bool:
    """True if ``text`` holds a decimal with at least :data:`APPROX_DIGITS` significant digits."""
    return any(
        len((m.group(1) + m.group(2)).lstrip("0")) >= APPROX_DIGITS for m in _DECIMAL.finditer(text)
    )


@dataclass(frozen=True)
class Decision:
    """The outcome of one pair: ``equal``, ``differ`` or ``undecided``, and a feedback sentence."""

    outcome: str
    message: str = ""
    method: str = ""


@dataclass(frozen=True)
class JobInfo:
    """What the sandbox reported for the job (empty when no job was needed)."""

    status: str = ""
    message: str = ""
    duration_s: float = 0.0
    isolation: tuple[str, ...] = ()


def decide_pairs(
    pairs: list[Pair],
    sandbox: Any,
    tolerance: float | None,
    budget_s: float,
    form: str | None = None,
) -> tuple[list[Decision], JobInfo]:
    """Return one Decision per pair (in order) and the sandbox job's report.

    A candidate not in the task's ``form`` (:mod:`forge_math.forms`) differs at once; exact
    pairs are decided here; the rest share one sandbox job limited to ``budget_s`` of
    proving plus start-up slack. Never raises for a candidate.
    """
    decisions: list[Decision | None] = [
        _finite(p) or _form(p, form) or _exact(p, tolerance) for p in pairs
    ]
    pending = [k for k, d in enumerate(decisions) if d is None]
    info = JobInfo()
    if pending:
        measurements, info = _run_job([pairs[k] for k in pending], sandbox, budget_s)
        for k, m in zip(pending, measurements, strict=True):
            decisions[k] = _from_measurement(m, pairs[k], tolerance, info)
    return [d for d in decisions if d is not None], info


def _finite(pair: Pair) -> Decision | None:
    """A candidate holding nan or zoo differs (sympy's ``nan == nan`` must never decide)."""
    if not any(non_finite(node) for node in pair.cand):
        return None
    if pair.mode != "expr":
        return Decision("differ", "your equation is not finite (it holds nan or zoo)")
    return Decision("differ", f"your answer {render(pair.cand[0])} is not a finite number")


def _form(pair: Pair, form: str | None) -> Decision | None:
    if pair.mode != "expr":
        return None
    why = form_problem(pair.cand[0], pair.ref[0], form)
    return None if why is None else Decision("differ", f"your answer {render(pair.cand[0])} {why}")


def _exact(pair: Pair, tolerance: float | None) -> Decision | None:
    if pair.mode != "expr":
        return None
    text = render(pair.cand[0])
    try:
        cand = evaluate(pair.cand[0])
    except ZeroDivisionError:
        return Decision("differ", f"your answer {text} is not a finite number (division by zero)")
    except TooBig:
        return None
    try:
        ref = evaluate(pair.ref[0])
    except (ZeroDivisionError, TooBig):
        return None
    if cand is None or ref is None:
        return None
    if tolerance is None:
        same = cand == ref
    else:
        same = abs(cand - ref) <= Fraction(tolerance) * max(1, abs(ref))
    if same:
        return Decision("equal", method="exact")
    return Decision("differ", _differs_message(text, cand), "exact")


def _run_job(pairs: list[Pair], sandbox: Any, budget_s: float) -> tuple[list[Any], JobInfo]:
    try:
        from forge.sandbox import Job, Limits
    except ImportError as exc:
        return [None] * len(pairs), JobInfo("error", f"sandbox unavailable: {exc}")
    payload = {
        "pairs": [[p.mode, list(p.cand), list(p.ref)] for p in pairs],
        "budget_s": budget_s,
    }
    slack = budget_s + 3.0  # fork, imports on a cold lane, result frame
    job = Job(RUNNER, payload, Limits(wall_s=slack, cpu_s=slack, memory_mb=1024))
    result = sandbox.run(job)
    info = JobInfo(result.status, result.message, result.duration_s, tuple(result.isolation))
    value = result.value if result.status == "ok" else None
    results = value.get("results") if isinstance(value, dict) else None
    if not isinstance(results, list) or len(results) != len(pairs):
        return [None] * len(pairs), info
    return results, info


def _from_measurement(m: Any, pair: Pair, tolerance: float | None, info: JobInfo) -> Decision:
    """Turn one runner measurement (plain data) into a Decision; malformed data is undecided."""
    if not isinstance(m, dict):
        why = f"{info.status}: {info.message}" if info.status != "ok" else "no result"
        return Decision("undecided", f"the equivalence check did not finish ({why})")
    try:
        return _judge(m, pair, tolerance or DEFAULT_RTOL)
    except (TypeError, ValueError, KeyError, IndexError):
        return Decision("undecided", "the equivalence check returned malformed data")


def _judge(m: dict[str, Any], pair: Pair, rtol: float) -> Decision:
    text = render(pair.cand[0]) if pair.mode == "expr" else "your equation"
    if m.get("cand_finite") is False:
        return Decision("differ", f"your answer {text} is not a finite number")
    samples = [s for s in m.get("samples") or [] if s.get("diff") is not None]
    if m.get("const") and samples:
        s = samples[0]
        if _close(s, rtol):
            return Decision("equal", method="numeric")
        return Decision("differ", _differs_message(text, s["cand"]), "numeric")
    for s in samples:
        if not _close(s, rtol):
            return Decision("differ", _point_message(pair, s), "numeric")
    if m.get("proved") is True and not m.get("const"):
        return Decision("equal", method="symbolic")
    note = str(m.get("note") or "")
    if note.startswith("stopped"):
        return Decision(
            "undecided",
            "could not confirm your answer equals the expected one within the time limit "
            "(undecided); write it in a simpler form",
        )
    return Decision(
        "undecided",
        "your answer agrees at test points but could not be proven equal (undecided)",
    )


def _close(sample: dict[str, Any], rtol: float) -> bool:
    diff = complex(*sample["diff"])
    ref = complex(*sample["ref"]) if sample.get("ref") else 0j
    return abs(diff) <= rtol * max(1.0, abs(ref))


def _point_message(pair: Pair, sample: dict[str, Any]) -> str:
    at = ", ".join(f"{k}={v}" for k, v in sorted(sample["point"].items()))
    if pair.mode == "eq":
        return f"your equation is not equivalent to the expected one (check it at {at})"
    got = f" (yours gives {_fmt(sample['cand'])})" if sample.get("cand") else ""
    return f"your expression is not equal to the expected one at {at}{got}"


def _differs_message(text: str, value: Any) -> str:
    try:
        shown = _fmt(value)
    except (OverflowError, ValueError, TypeError):
        shown = text
    plain = re.fullmatch(r"-?\d+(\.\d+)?", text) is not None
    approx = "" if plain or shown == text else f" ≈ {shown}"
    return f"your answer {text}{approx} differs from the expected value"


def _fmt(value: Any) -> str:
    """Return a number (float, or ``[re, im]``) in at most ~4 significant digits."""
    re_, im = (float(value), 0.0) if not isinstance(value, list) else (value[0], value[1])
    text = _fmt_real(float(re_))
    if abs(im) > 1e-12 * max(1.0, abs(re_)):
        text += f"{'+' if im > 0 else '-'}{_fmt_real(abs(float(im)))}i"
    return text


def _fmt_real(v: float) -> str:
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    if 1e-4 <= abs(v) < 1e9:
        digits = max(0, 3 - math.floor(math.log10(abs(v))))
        return f"{round(v, digits):.{digits}f}".rstrip("0").rstrip(".")
    return f"{v:.4g}"
