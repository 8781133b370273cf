"""pytest plugin for domain authors: the ``DomainContract`` test base class and fixtures.

Installed with forge as a ``pytest11`` plugin, so any test suite can use it::

    from forge.testing import DomainContract

    class TestMyDomain(DomainContract):
        domain_name = "regex"
        good_answers = [("digits", "```regex\\n\\\\d+\\n```")]
        bad_answers = [("digits", "```regex\\n[a-z]+\\n```")]

Fixtures: ``forge_sandbox`` (a shared sandbox for the session), ``forge_domain`` (the
domain named by the class's ``domain_name``, loaded through the plugin manager) and
``forge_domain_sandbox`` (the sandbox forge hands that domain's ``verify``: the shared one,
with the domain's program profile when it declares ``executables``).

A domain whose :meth:`~forge.domain.Domain.prerequisites` are missing here (a simulator not
installed) is skipped with a reason naming what is missing; with ``CI`` set to ``true`` it
fails instead, so a CI machine without the tool cannot pass by skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from forge.domain import Domain
from forge.types import STATUSES, Task

JUNK_COMPLETIONS = (
    "",
    "I don't know.",
    "```\n\n```",
    "\x00\x01\ufffd" * 50,
    "```" * 7,
    "a" * 20000,
)


@pytest.fixture(scope="session")
def forge_sandbox() -> Iterator[Any]:
    """A sandbox shared by the whole test session; closed at the end."""
    from forge.sandbox import Sandbox

    with Sandbox() as sandbox:
        yield sandbox


class DomainContract:
    """Base class: subclass it in your tests, set the attributes, and pytest runs the contract.

    Attributes:
        domain_name: the name your plugin registers.
        tasks_source: what ``load_tasks`` gets (None = the built-in set).
        good_answers: ``(task_id, completion)`` pairs that must verify as ``passed``.
        bad_answers: ``(task_id, completion)`` pairs that must not pass and must get feedback.
        min_tasks: the least number of tasks ``load_tasks(tasks_source)`` must return.
    """

    domain_name: ClassVar[str] = ""
    tasks_source: ClassVar[str | None] = None
    good_answers: ClassVar[list[tuple[str, str]]] = []
    bad_answers: ClassVar[list[tuple[str, str]]] = []
    min_tasks: ClassVar[int] = 1

    @pytest.fixture(scope="class")
    @classmethod
    def forge_domain(cls) -> Domain:
        """The domain under test, loaded through forge's plugin manager like the CLI does;
        skipped (failed under ``CI=true``) when its prerequisites are missing here."""
        from forge.errors import ForgeError
        from forge.plugins import get_domain
        from forge.readiness import problems

        try:
            domain = get_domain(cls.domain_name)
        except ForgeError as exc:
            pytest.fail(exc.one_line(), pytrace=False)
        missing = problems(domain)
        if missing:
            reason = f"domain '{cls.domain_name}' is not ready here: {'; '.join(missing)}"
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(f"{reason} (CI=true: a missing prerequisite fails)", pytrace=False)
            pytest.skip(reason)
        return domain

    @pytest.fixture(scope="class")
    @classmethod
    def forge_domain_sandbox(cls, forge_domain: Domain, forge_sandbox: Any) -> Any:
        """The sandbox forge passes to this domain's ``verify`` (see forge.verifiers.sandbox_for)."""
        from forge.verifiers import sandbox_for

        return sandbox_for(forge_domain, forge_sandbox)

    @pytest.fixture(scope="class")
    @classmethod
    def forge_tasks(cls, forge_domain: Domain) -> dict[str, Task]:
        """The domain's tasks from ``tasks_source``, by id."""
        from forge.tasks import load_tasks

        return {t.id: t for t in load_tasks(forge_domain, cls.tasks_source)}

    def test_identity(self, forge_domain: Domain) -> None:
        """The domain has a name, a version and a description."""
        assert forge_domain.name == self.domain_name
        assert forge_domain.version and forge_domain.description

    def test_tasks_load(self, forge_tasks: dict[str, Task]) -> None:
        """Tasks load, have unique ids, a prompt, and belong to this domain."""
        assert len(forge_tasks) >= self.min_tasks
        for task in forge_tasks.values():
            assert task.id and task.prompt.strip()
            assert task.domain == self.domain_name

    def test_prompts_are_chat_messages(
        self, forge_domain: Domain, forge_tasks: dict[str, Task]
    ) -> None:
        """Every task's first-attempt prompt is a non-empty chat ending with a user message."""
        for task in forge_tasks.values():
            messages = forge_domain.build_prompt(task)
            assert messages and messages[-1]["role"] == "user"
            assert all(m["content"].strip() for m in messages)

    def test_good_answers_pass(self, forge_domain, forge_tasks, forge_domain_sandbox) -> None:
        """Every known-good completion verifies as passed with score 1."""
        assert self.good_answers, "list at least one known-good answer"
        for task_id, text in self.good_answers:
            verdict = forge_domain.verify(
                forge_tasks[task_id], forge_domain.extract(text), forge_domain_sandbox
            )
            assert verdict.status == "passed", (task_id, verdict)
            assert forge_domain.score(verdict) == 1.0

    def test_bad_answers_fail_with_feedback(
        self, forge_domain, forge_tasks, forge_domain_sandbox
    ) -> None:
        """Every known-bad completion fails, gets non-empty feedback, and a score in [0, 1)."""
        assert self.bad_answers, "list at least one known-bad answer"
        for task_id, text in self.bad_answers:
            task = forge_tasks[task_id]
            verdict = forge_domain.verify(task, forge_domain.extract(text), forge_domain_sandbox)
            assert verdict.status in STATUSES and verdict.status != "passed", (task_id, verdict)
            assert forge_domain.feedback(task, verdict).strip()
            assert forge_domain.feedback(task, verdict, "score-only").strip()
            assert 0.0 <= forge_domain.score(verdict) < 1.0
            repair = forge_domain.repair_prompt(task, forge_domain.extract(text) or "", verdict)
            assert repair and repair[-1]["role"] == "user"

    def test_junk_never_raises(self, forge_domain, forge_tasks, forge_domain_sandbox) -> None:
        """Junk completions extract to None or an artifact that fails; nothing raises."""
        task = next(iter(forge_tasks.values()))
        for text in JUNK_COMPLETIONS:
            verdict = forge_domain.verify(task, forge_domain.extract(text), forge_domain_sandbox)
            assert verdict.status in STATUSES and verdict.status != "passed"
            assert isinstance(forge_domain.answer_complete(text), bool)

    def test_missing_artifact_is_invalid(
        self, forge_domain, forge_tasks, forge_domain_sandbox
    ) -> None:
        """``verify(task, None)`` is an ``invalid`` verdict with feedback, not an exception."""
        task = next(iter(forge_tasks.values()))
        verdict = forge_domain.verify(task, None, forge_domain_sandbox)
        assert verdict.status == "invalid"
        assert forge_domain.feedback(task, verdict).strip()

    def test_batch_matches_one_by_one(
        self, forge_domain, forge_tasks, forge_domain_sandbox
    ) -> None:
        """Batch verification (forge's fan-out, many threads) gives the same statuses, in order,
        as one-by-one verification."""
        from forge.verifiers import verify_all

        items = [
            (forge_tasks[tid], forge_domain.extract(text))
            for tid, text in [*self.good_answers, *self.bad_answers]
        ]
        batch = verify_all(forge_domain, items, forge_domain_sandbox)
        single = [forge_domain.verify(t, a, forge_domain_sandbox) for t, a in items]
        assert [v.status for v in batch] == [v.status for v in single]

    def test_extract_returns_text_or_none(self, forge_domain) -> None:
        """``extract`` returns a str or None for every listed and junk completion."""
        texts = [t for _, t in [*self.good_answers, *self.bad_answers]] + list(JUNK_COMPLETIONS)
        for text in texts:
            artifact = forge_domain.extract(text)
            assert artifact is None or isinstance(artifact, str), (text[:60], artifact)

    def test_verifies_through_the_given_sandbox(
        self, forge_domain, forge_tasks, forge_domain_sandbox, monkeypatch
    ) -> None:
        """Verification starts no Sandbox of its own (that would double the lanes and skip
        forge's program profile); a domain that declares ``executables`` runs at least one
        job on the sandbox forge passes in."""
        from forge.sandbox.supervisor import Sandbox

        started: list[Any] = []
        real_init = Sandbox.__init__

        def counting_init(sandbox: Any, *args: Any, **kwargs: Any) -> None:
            started.append(sandbox)
            real_init(sandbox, *args, **kwargs)

        monkeypatch.setattr(Sandbox, "__init__", counting_init)
        watched = _Watched(forge_domain_sandbox)
        for task_id, text in [*self.good_answers, *self.bad_answers]:
            forge_domain.verify(forge_tasks[task_id], forge_domain.extract(text), watched)
        for sandbox in started:
            sandbox.close()
        assert not started, (
            f"domain '{self.domain_name}' started a Sandbox of its own while verifying; "
            "run jobs on the sandbox verify() is given"
        )
        if forge_domain.executables:
            assert watched.jobs, (
                f"domain '{self.domain_name}' declares executables but verified its answers "
                "without a job on the sandbox it was given; run them with sandbox.run(Job(...))"
            )


class _Watched:
    """A stand-in for a sandbox that counts the jobs given to it and passes everything on."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.jobs = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def submit(self, job: Any) -> Any:
        """Count one job, then submit it."""
        self.jobs += 1
        return self._inner.submit(job)

    def run(self, job: Any) -> Any:
        """Count one job, then run it."""
        self.jobs += 1
        return self._inner.run(job)

    def run_many(self, jobs: Any) -> Any:
        """Count the jobs, then run them."""
        jobs = list(jobs)
        self.jobs += len(jobs)
        return self._inner.run_many(jobs)

    def as_completed(self, jobs: Any) -> Any:
        """Count the jobs, then run them."""
        jobs = list(jobs)
        self.jobs += len(jobs)
        return self._inner.as_completed(jobs)
