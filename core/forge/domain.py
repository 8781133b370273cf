"""The contract a domain implements. Built-in domains use it exactly as a third party would.

A domain turns tasks into prompts, completions into artifacts, and artifacts into
verdicts with feedback a model can act on. Everything the loop does is expressed
through these methods, so a new domain needs no change to forge's core.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, ClassVar, Literal

from forge.types import Message, Task, Verdict

if TYPE_CHECKING:
    from forge.sandbox import Sandbox

FeedbackStyle = Literal["specific", "score-only"]


class Domain(abc.ABC):
    """Base class for a domain. Subclass it, set the class attributes, implement the abstract methods.

    Class attributes:
        name: short lowercase identifier used on the command line (``--domain name``).
        version: bump on any change to prompts, extraction or verification; recorded in runs.
        description: one line shown by ``forge domains``.
        system_prompt: optional system message put before every prompt.
        executables: the programs ``verify`` runs in the sandbox (a simulator, a
            compiler): names looked up on ``PATH`` once, or absolute paths. forge checks
            they are installed (:meth:`prerequisites`) and lets the domain's sandboxed jobs
            execute exactly these (see docs/sandboxing.md, "Domains that run programs").
    """

    name: ClassVar[str] = ""
    version: ClassVar[str] = "0"
    description: ClassVar[str] = ""
    system_prompt: ClassVar[str] = ""
    executables: tuple[str, ...] = ()

    # ----- readiness -----------------------------------------------------------------
    def prerequisites(self) -> list[str]:
        """Return what this machine lacks for this domain, one line each (empty: ready).

        Called by ``forge doctor`` and before ``forge run``, ``forge eval`` and
        ``forge verify`` start; any line stops them with one error saying what to install.
        The default reports each of :attr:`executables` that is not installed; override it
        (calling ``super().prerequisites()``) to add checks or an install hint.
        """
        from forge.programs import locate

        return [
            f"the program '{name}' is not installed (not found on PATH)"
            for name in self.executables
            if locate(name) is None
        ]

    # ----- tasks -----------------------------------------------------------------
    @abc.abstractmethod
    def load_tasks(self, source: str | None) -> list[Task]:
        """Return the tasks in ``source`` (a file path), or the built-in set when ``source`` is None.

        Called once per command. Raise :class:`forge.errors.TaskFormatError` naming the file and
        line for malformed input. Named sets such as ``humaneval[40:48]`` are task loaders,
        registered with the ``register_task_loaders`` hook, and never reach this method.
        """

    # ----- prompting ---------------------------------------------------------------
    @abc.abstractmethod
    def build_prompt(self, task: Task) -> list[Message]:
        """Return the chat messages asking for a first attempt at ``task``."""

    def repair_prompt(
        self, task: Task, artifact: str, verdict: Verdict, style: FeedbackStyle = "specific"
    ) -> list[Message]:
        """Return chat messages asking for a fixed version of ``artifact`` (the mutation operator).

        Called by the search for each elite that did not pass. The default shows the task,
        the previous attempt and :meth:`feedback`; override to phrase it for your domain.
        """
        return repair_messages(self, task, artifact, self.feedback(task, verdict, style))

    def format_artifact(self, artifact: str) -> str:
        """Return ``artifact`` as it should appear in prompts and training targets (e.g. fenced)."""
        return artifact

    def answer_complete(self, text: str) -> bool:
        """Return True once a completion holds a whole answer, so generation can stop early.

        Called by the generator on each growing completion. The default waits for the
        model's end-of-sequence token.
        """
        return False

    # ----- checking ----------------------------------------------------------------
    @abc.abstractmethod
    def extract(self, text: str) -> str | None:
        """Return the artifact (code, query, answer) in a raw completion, or None if there is none.

        Never raises: a completion without an artifact becomes an ``invalid`` verdict.
        """

    @abc.abstractmethod
    def verify(self, task: Task, artifact: str | None, sandbox: Sandbox) -> Verdict:
        """Check ``artifact`` against ``task`` and return a :class:`Verdict`.

        Runs untrusted work only through ``sandbox``. Never raises for a wrong, crashing or
        hostile answer; ``artifact=None`` gives an ``invalid`` verdict. forge calls it from
        several threads at once (one batch per generation, fanned out by
        :func:`forge.verifiers.verify_all`), so keep it free of shared mutable state.
        """

    @abc.abstractmethod
    def feedback(self, task: Task, verdict: Verdict, style: FeedbackStyle = "specific") -> str:
        """Return short text a model can act on, from public cases only.

        ``specific`` names the failing cases (``input=[15] expected='FizzBuzz' got='Fizz'``, the
        error line, ``timed out after 2.0s``); ``score-only`` says only how many passed.
        """

    def score(self, verdict: Verdict) -> float:
        """Return a number in [0, 1] ranking ``verdict`` for the search (default: public pass rate)."""
        if verdict.total == 0:
            return 1.0 if verdict.status == "passed" else 0.0
        return verdict.passed / verdict.total


def repair_messages(domain: Domain, task: Task, artifact: str, note: str) -> list[Message]:
    """Return the default repair request: the first prompt, the previous attempt, ``note``."""
    messages = domain.build_prompt(task)
    shown = domain.format_artifact(artifact)
    return [
        *messages[:-1],
        {
            "role": "user",
            "content": (
                f"{messages[-1]['content']}\n\nA previous attempt:\n{shown}\n\n"
                f"It is not correct:\n{note}\n\nWrite a corrected version."
            ),
        },
    ]


def score_only_feedback(verdict: Verdict) -> str:
    """Return the pass-count-only feedback used by the ``score-only`` ablation."""
    if verdict.total:
        return f"{verdict.passed}/{verdict.total} tests passed."
    return "The answer did not pass." if verdict.status != "passed" else "The answer passed."
