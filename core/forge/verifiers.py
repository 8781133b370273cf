"""Run a domain's verification plus the extra verifiers plugins attached to it.

Extra verifiers come from the ``register_verifiers`` hook. Each gets the domain's verdict
and may return its own; :func:`combine` merges the two so that a failing extra check
turns a pass into ``failed`` and its cases appear (named after the verifier) in feedback.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from forge.domain import Domain
from forge.types import CaseResult, Task, Verdict


def combine(base: Verdict, extra: Verdict | None, verifier_name: str) -> Verdict:
    """Return ``base`` with ``extra``'s cases appended; a failing extra turns ``passed`` into ``failed``.

    A non-passing base status (error, timeout, ...) is kept: the extra verifier cannot
    make a broken answer pass, and it cannot hide why it broke.
    """
    if extra is None:
        return base
    cases = tuple(dataclasses.replace(c, name=f"{verifier_name}: {c.name}") for c in extra.cases)
    extra_failed = extra.status != "passed" or any(not c.passed for c in extra.cases)
    status = base.status
    message = base.message
    if base.status == "passed" and extra_failed:
        status = "failed"
        message = f"{verifier_name}: {extra.message}".strip(": ") if extra.message else message
    checks = dict(base.extra.get("verifiers", {}))
    checks[verifier_name] = extra.status
    return dataclasses.replace(
        base,
        status=status,
        cases=base.cases + cases,
        message=message,
        duration_s=base.duration_s + extra.duration_s,
        extra={**dict(base.extra), "verifiers": checks},
    )


def verify_all(
    domain: Domain,
    items: Sequence[tuple[Task, str | None]],
    sandbox: Any,
    verifiers: Sequence[Any] = (),
) -> list[Verdict]:
    """Verify ``items`` with ``domain.verify_many``, then apply each extra verifier in order.

    Called by ``forge verify`` and by every phase of the loop. A verifier that raises is
    reported as a failed case naming it, never as a crash of forge.
    """
    verdicts = domain.verify_many(items, sandbox)
    if not verifiers:
        return verdicts
    out = []
    for (task, artifact), verdict in zip(items, verdicts, strict=True):
        for verifier in verifiers:
            if artifact is None:
                continue
            verdict = combine(
                verdict, _run_one(verifier, task, artifact, verdict, sandbox), verifier.name
            )
        out.append(verdict)
    return out


def _run_one(
    verifier: Any, task: Task, artifact: str, verdict: Verdict, sandbox: Any
) -> Verdict | None:
    try:
        return verifier.check(task, artifact, verdict, sandbox)
    except Exception as exc:  # noqa: BLE001 - a broken verifier is reported, not raised
        return Verdict(
            status="error",
            cases=(
                CaseResult(
                    name="check",
                    passed=False,
                    message=f"verifier raised {type(exc).__name__}: {exc}",
                ),
            ),
            message=f"verifier '{verifier.name}' raised {type(exc).__name__}: {exc}",
        )
