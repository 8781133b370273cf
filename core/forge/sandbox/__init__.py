"""forge's sandbox service: run untrusted work in isolated, limited, short-lived children.

A trusted supervisor (:class:`Sandbox`) keeps pre-started worker lanes; each lane forks a
fresh child per job, locks it down, calls the job's runner and returns one typed result
frame that the supervisor decodes into exact plain data. See docs/sandboxing.md.
"""

from forge.sandbox.jobs import STATUSES, Job, JobResult, Limits
from forge.sandbox.supervisor import Sandbox, default_lanes, get_sandbox


def describe_isolation() -> str:
    """Return the isolation layers a lane gets on this machine, comma-separated."""
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
