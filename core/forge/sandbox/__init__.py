"""forge's sandbox service: run untrusted work in isolated, limited, short-lived children.

A trusted supervisor (:class:`Sandbox`) keeps pre-started worker lanes; each lane forks a
fresh child per job, locks it down, calls the job's runner and returns one typed result
frame that the supervisor decodes into exact plain data. See docs/sandboxing.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from forge.sandbox.jobs import STATUSES, Job, JobResult, Limits
    from forge.sandbox.supervisor import Sandbox, default_lanes, get_sandbox

_LAZY = {
    "STATUSES": "jobs",
    "Job": "jobs",
    "JobResult": "jobs",
    "Limits": "jobs",
    "Sandbox": "supervisor",
    "default_lanes": "supervisor",
    "get_sandbox": "supervisor",
}


def __getattr__(name: str) -> Any:
    """Import public names on first use, so a lane (which imports forge.sandbox.lane)
    never loads the supervisor's modules: a smaller lane forks and exits faster."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"forge.sandbox.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'forge.sandbox' has no attribute {name!r}")


def describe_isolation() -> str:
    """Return the isolation layers a lane gets on this machine, comma-separated."""
    from forge.sandbox.supervisor import Sandbox

    with Sandbox(lanes=1) as sandbox:
        return ", ".join(sandbox.isolation)


__all__ = [
    "STATUSES",
    "Job",
    "JobResult",
    "Limits",
    "Sandbox",
    "default_lanes",
    "describe_isolation",
    "get_sandbox",
]
