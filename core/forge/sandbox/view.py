"""A view of a Sandbox whose jobs run under the program profile (see forge.sandbox.profile).

It shares the sandbox's lanes, queue and limits: a domain that runs programs gets one from
forge (``forge.verifiers.sandbox_for``), never a pool of its own, so ``lanes`` and the
isolation in every verdict stay forge's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Future, as_completed
from typing import TYPE_CHECKING

from forge.sandbox.jobs import Job, JobResult, Limits
from forge.sandbox.profile import ProgramProfile

if TYPE_CHECKING:
    from forge.sandbox.supervisor import Sandbox


class ProgramSandbox:
    """The :class:`Sandbox` API (``run``, ``submit``, ``run_many``, ``as_completed``) over
    another sandbox's lanes, with each job's child allowed to execute ``profile``'s programs."""

    def __init__(self, sandbox: Sandbox, profile: ProgramProfile) -> None:
        self.sandbox = sandbox
        self.profile = profile

    @property
    def lanes(self) -> int:
        """How many jobs run at once (the underlying sandbox's lanes)."""
        return self.sandbox.lanes

    @property
    def limits(self) -> Limits:
        """The default limits of jobs that leave ``Job.limits`` at its default."""
        return self.sandbox.limits

    @property
    def isolation(self) -> tuple[str, ...]:
        """The lanes' layers; each job's result names the ones in force for it."""
        return self.sandbox.isolation

    def with_programs(
        self, executables: Sequence[str], processes: int | None = None
    ) -> ProgramSandbox:
        """Return a view of the same lanes for other programs (see Sandbox.with_programs)."""
        return self.sandbox.with_programs(executables, processes or self.profile.processes)

    def submit(self, job: Job) -> Future[JobResult]:
        """Queue ``job`` under the program profile; see :meth:`Sandbox.submit`."""
        return self.sandbox._submit(job, self.profile)

    def run(self, job: Job) -> JobResult:
        """Run ``job`` under the program profile and block until its result is ready."""
        return self.submit(job).result()

    def run_many(self, jobs: Sequence[Job]) -> list[JobResult]:
        """Run ``jobs`` under the program profile; return their results in order."""
        futures = [self.submit(job) for job in jobs]
        return [f.result() for f in futures]

    def as_completed(self, jobs: Sequence[Job]) -> Iterator[tuple[int, JobResult]]:
        """Run ``jobs`` under the program profile; yield ``(index, result)`` as each ends."""
        futures = {self.submit(job): i for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            yield futures[future], future.result()

    def describe(self) -> str:
        """Return e.g. ``programs (iverilog, vvp, dash, ivlpp, ivl; 32 processes)``."""
        return self.profile.describe()
