"""The ``letters`` domain: does an answer use any letter of the task's set? Checked in the sandbox.

A tiny random model passes some of these tasks and not others, so a run has something to
search, pair and train on, and every check is a real sandbox job. The task source, if any,
is a JSON file of options: ``{"sleep": 0.4}`` makes each check sleep that long (so a test
can kill a node mid-verification); ``{"marker": PATH}`` makes each check append its
process id and its parent's to PATH first (so a test knows which node verifies).
"""

from __future__ import annotations

import json
import os
import string
from pathlib import Path
from typing import Any

from forge.domain import Domain
from forge.hookspecs import hookimpl
from forge.types import CaseResult, Task, Verdict


def _sets() -> list[str]:
    letters = string.ascii_lowercase
    return [letters[i : i + width] for i, width in ((0, 2), (4, 3), (8, 5), (13, 8), (18, 8))] + [
        "xyz",
        "\n",
        "q",
    ]


class LettersDomain(Domain):
    """Write text that uses at least one letter of a given set."""

    name = "letters"
    version = "1"
    description = "Use a letter of a given set (Ray test plugin)."

    def load_tasks(self, source: str | None) -> list[Task]:
        """Eight tasks; ``source`` is None or a JSON file of options (``sleep``, ``marker``)."""
        opts = json.loads(Path(source).read_text(encoding="utf-8")) if source else {}
        data = {"sleep": float(opts.get("sleep", 0.0)), "marker": opts.get("marker")}
        return [
            Task(
                id=f"set{i}",
                domain=self.name,
                prompt=f"Write a line that uses one of these characters: {chars!r}.",
                data={"chars": chars, **data},
            )
            for i, chars in enumerate(_sets())
        ]

    def build_prompt(self, task: Task) -> list[dict[str, str]]:
        """The task as one user message."""
        return [{"role": "user", "content": task.prompt}]

    def extract(self, text: str) -> str | None:
        """The whole completion, or None when it is empty."""
        return text if text else None

    def verify(self, task: Task, artifact: str | None, sandbox: Any) -> Verdict:
        """Check ``artifact`` in a sandboxed child (after the ``sleep`` option's pause)."""
        from forge.sandbox import Job

        if artifact is None:
            return Verdict(status="invalid", message="empty answer")
        if task.data.get("marker"):
            with open(task.data["marker"], "a", encoding="utf-8") as out:
                out.write(f"{os.getpid()} {os.getppid()}\n")
        source = (
            f"import time\ntime.sleep({float(task.data['sleep'])!r})\n"
            f"result = any(c in {task.data['chars']!r} for c in {artifact!r})\n"
        )
        job = sandbox.run(Job("forge.sandbox.runners:exec_source", {"source": source}))
        if not job.ok:
            return Verdict(status="error", message=job.message)
        hit = bool(job.value)
        case = CaseResult("uses a letter", hit, expected=task.data["chars"], got=artifact[:40])
        return Verdict(status="passed" if hit else "failed", cases=(case,))

    def feedback(self, task: Task, verdict: Verdict, style: str = "specific") -> str:
        """Which letters were expected (or only the pass count)."""
        if style != "specific" or not verdict.cases:
            return f"{verdict.passed}/{verdict.total} checks pass"
        return f"use one of {task.data['chars']!r}"


class NoGarbage:
    """An extra verifier: an answer holding U+FFFD (undecodable bytes) fails."""

    name = "no-garbage"

    def check(self, task: Task, artifact: str, verdict: Verdict, sandbox: Any) -> Verdict | None:
        """Fail answers with a replacement character; add nothing to the others."""
        if "\ufffd" not in artifact:
            return None
        case = CaseResult("decodable", False, message="the answer holds undecodable bytes")
        return Verdict(status="failed", cases=(case,), message=case.message)


@hookimpl
def register_domains(register: Any) -> None:
    """Register the letters domain."""
    register(LettersDomain())


@hookimpl
def register_verifiers(register: Any) -> None:
    """Attach the no-garbage check to letters (looked up by name on every node)."""
    register("letters", NoGarbage())
