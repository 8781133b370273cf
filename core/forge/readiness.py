"""Is a domain ready to run here? ``Domain.prerequisites`` asked safely, once per command.

``forge doctor`` shows :func:`problems` for every installed domain; ``forge run``,
``forge eval`` and ``forge verify`` call :func:`require_ready` before any phase or job
starts, so a missing simulator is one line saying what to install instead of an ``error``
verdict for every candidate (fed back to the model as if the answer were wrong).
"""

from __future__ import annotations

from forge.domain import Domain
from forge.errors import ForgeError


class NotReadyError(ForgeError):
    """A domain's prerequisites are missing on this machine; the message says which."""


def problems(domain: Domain) -> list[str]:
    """Return the domain's prerequisite problems, one line each; a buggy check is a problem too."""
    try:
        found = domain.prerequisites()
    except Exception as exc:  # noqa: BLE001 - a plugin's bug is reported, never a crash
        return [f"{_who(domain)} failed in prerequisites(): {type(exc).__name__}: {exc}"]
    if not isinstance(found, (list, tuple)) or not all(isinstance(p, str) for p in found):
        return [
            f"{_who(domain)}: prerequisites() must return a list of str, not {type(found).__name__}"
        ]
    return [" ".join(p.split()).rstrip(".") for p in found if p.strip()]


def require_ready(domain: Domain) -> None:
    """Raise :class:`NotReadyError` (one line: what is missing, how to check) unless ready."""
    found = problems(domain)
    if found:
        raise NotReadyError(
            f"The {_who(domain)} cannot run here: {'; '.join(found)}.",
            "Install what is missing, then check with 'forge doctor'.",
        )


def _who(domain: Domain) -> str:
    from forge.plugins import domain_label

    return domain_label(domain.name)
