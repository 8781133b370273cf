"""``run``, ``run_many`` and ``as_completed`` in terms of ``submit``: the one definition that
:class:`forge.sandbox.Sandbox` and its program-profile view both use."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Future, as_completed

from forge.sandbox.jobs import Job, JobResult


class SubmitsJobs:
    """Blocking and streaming helpers over a class's ``submit(job) -> Future[JobResult]``."""

    def submit(self, job: Job) -> Future[JobResult]:  # pragma: no cover - each class defines it
        """Queue ``job``; return a future of its result."""
        raise NotImplementedError

    def run(self, job: Job) -> JobResult:
        """Run ``job`` and block until its result is ready."""
        return self.submit(job).result()

    def run_many(self, jobs: Sequence[Job]) -> list[JobResult]:
        """Run ``jobs`` (on all lanes); return their results in the order given."""
        futures = [self.submit(job) for job in jobs]
        return [f.result() for f in futures]

    def as_completed(self, jobs: Sequence[Job]) -> Iterator[tuple[int, JobResult]]:
        """Run ``jobs``; yield ``(index, result)`` as each one finishes."""
        futures = {self.submit(job): i for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            yield futures[future], future.result()
