"""Verification fan-out: a domain's own verification plus the extra verifiers attached to it.

:func:`verify_all` is the one place items are verified, whoever asks (the loop through an
executor, ``forge verify``, a Ray worker, the contract tests): it runs ``domain.verify`` on
as many threads as the sandbox has lanes, then each extra verifier from the
``register_verifiers`` hook, and never raises for what a plugin or a candidate does: a
domain that raises gives an ``error`` verdict naming it. Every verdict leaves through
:func:`forge.sanitize.verdict` (values capped, text escaped), whichever plugin built it.
:func:`combine` merges an extra verifier's verdict so that a failing check turns a pass
into ``failed``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from forge import sanitize
from forge.types import CaseResult, Task, Verdict

if TYPE_CHECKING:
    from forge.domain import Domain
    from forge.protocols import Verifier

THREADS_PER_LANE = 2
"""Verification threads per sandbox lane: one waits on a job while the next is prepared."""


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


def sandbox_for(domain: Domain, sandbox: Any) -> Any:
    """Return the sandbox ``domain.verify`` is given: ``sandbox`` itself, or for a domain that
    declares ``executables``, a view of the same lanes whose jobs may run exactly those
    programs (:meth:`forge.sandbox.Sandbox.with_programs`; paths from
    :func:`forge.programs.locate`, so found once). A program that is not installed is left
    out (``prerequisites`` reports it before a run starts)."""
    from forge.programs import locate_all

    names = tuple(getattr(domain, "executables", ()) or ())
    if not names or not hasattr(sandbox, "with_programs"):
        return sandbox
    paths = tuple(locate_all(names).values())
    current = getattr(sandbox, "profile", None)
    if current is not None and current == _profile_of(paths, current.processes):
        return sandbox
    return sandbox.with_programs(paths)


def _profile_of(paths: tuple[str, ...], processes: int) -> Any:
    from forge.sandbox.profile import resolve

    return resolve(paths, processes)


def verify_all(
    domain: Domain,
    items: Sequence[tuple[Task, str | None]],
    sandbox: Any,
    verifiers: Sequence[Verifier] = (),
) -> list[Verdict]:
    """Return one verdict per ``(task, artifact)`` item, in order, never raising for an item.

    Items run on ``THREADS_PER_LANE`` threads per sandbox lane, so every lane stays busy;
    each item's extra verifiers run right after its own verification, on the same thread.
    """
    sandbox = sandbox_for(domain, sandbox)
    if len(items) <= 1:
        return [verify_one(domain, t, a, sandbox, verifiers) for t, a in items]
    workers = max(1, int(getattr(sandbox, "lanes", 1) or 1) * THREADS_PER_LANE)
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(
            pool.map(lambda it: verify_one(domain, it[0], it[1], sandbox, verifiers), items)
        )


def verify_one(
    domain: Domain,
    task: Task,
    artifact: str | None,
    sandbox: Any,
    verifiers: Sequence[Verifier] = (),
) -> Verdict:
    """Return the verdict on one artifact: the domain's, combined with each extra verifier's.

    The result is safe to store and print (:func:`forge.sanitize.verdict`).
    """
    sandbox = sandbox_for(domain, sandbox)
    try:
        verdict = domain.verify(task, artifact, sandbox)
        if not isinstance(verdict, Verdict):
            raise TypeError(f"verify() returned {type(verdict).__name__}, not a forge Verdict")
        verdict = sanitize.verdict(verdict)
    except Exception as exc:  # noqa: BLE001 - a plugin's bug is a verdict, never a crash
        return _plugin_error(domain, exc)
    profile = getattr(sandbox, "profile", None)
    if profile is not None:  # every verdict says which programs its jobs could run
        programs = [os.path.basename(p) for p in profile.executables]
        verdict = dataclasses.replace(verdict, extra={**dict(verdict.extra), "programs": programs})
    if artifact is None:
        return verdict
    for verifier in verifiers:
        extra = _run_extra(verifier, task, artifact, verdict, sandbox)
        verdict = sanitize.verdict(combine(verdict, extra, verifier.name))
    return verdict


def _plugin_error(domain: Domain, exc: Exception) -> Verdict:
    """Return the ``error`` verdict for a domain whose verify() raised, naming its plugin."""
    from forge.plugins import domain_label, owner_of_domain

    message = (
        f"{domain_label(domain.name)} failed while verifying: {type(exc).__name__}: {_said(exc)}"
    )
    return Verdict(
        status="error",
        message=sanitize.text(message, sanitize.MESSAGE_CHARS),
        extra={"plugin_error": owner_of_domain(domain.name) or domain.name},
    )


def _said(exc: BaseException) -> str:
    """Return ``str(exc)``, or a stand-in when even that fails (a hostile ``__str__``)."""
    try:
        return sanitize.text(str(exc), 500)
    except Exception:  # noqa: BLE001 - the message is a courtesy; the verdict must be built
        return "<the exception could not be shown>"


def _run_extra(
    verifier: Verifier, task: Task, artifact: str, verdict: Verdict, sandbox: Any
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
                    message=f"verifier raised {type(exc).__name__}: {_said(exc)}",
                ),
            ),
            message=f"verifier '{verifier.name}' raised {type(exc).__name__}: {_said(exc)}",
        )
