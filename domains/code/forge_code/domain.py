"""The ``code`` domain: write a Python function; it is checked by running tests in the sandbox."""

from __future__ import annotations

from typing import Any

from forge.domain import Domain, FeedbackStyle
from forge.types import Message, Task, Verdict
from forge_code.extract import answer_complete, extract_code
from forge_code.feedback import feedback_text
from forge_code.plaindata import from_json
from forge_code.tasks import load_builtin, load_file
from forge_code.verify import verify_code

ANSWER_FORMAT = "Reply with the whole function in one ```python code block."
MAX_ARTIFACT_CHARS = 1500
EXAMPLES_SHOWN = 2


class CodeDomain(Domain):
    """Python functions with input/expected tests (built-in set, JSONL files, HumanEval)."""

    name = "code"
    version = "1"
    description = "Python functions, checked by running their tests in the sandbox."

    def load_tasks(self, source: str | None) -> list[Task]:
        """Return the 20 built-in tasks (``source`` None) or the tasks of a JSONL file."""
        return load_builtin() if source is None else load_file(source)

    def build_prompt(self, task: Task) -> list[Message]:
        """Return one user message: the task, a couple of public examples, the answer format."""
        if task.data.get("preamble"):
            content = (
                "Complete this Python function.\n\n```python\n"
                f"{task.prompt.rstrip()}\n```\n{ANSWER_FORMAT}"
            )
        else:
            examples = _examples(task)
            content = f"{task.prompt.strip()}\n{examples}{ANSWER_FORMAT}"
        return [{"role": "user", "content": content}]

    def repair_prompt(
        self, task: Task, artifact: str, verdict: Verdict, style: FeedbackStyle = "specific"
    ) -> list[Message]:
        """Return a compact repair request: the task, the previous code, what failed."""
        first = self.build_prompt(task)[-1]["content"]
        task_text = first.rsplit(ANSWER_FORMAT, 1)[0].rstrip()
        code = (
            artifact
            if len(artifact) <= MAX_ARTIFACT_CHARS
            else artifact[:MAX_ARTIFACT_CHARS] + "\n# ..."
        )
        content = (
            f"{task_text}\n\nYour previous code:\n{self.format_artifact(code)}\n"
            f"{self.feedback(task, verdict, style)}\n"
            f"Fix the code. {ANSWER_FORMAT}"
        )
        return [{"role": "user", "content": content}]

    def format_artifact(self, artifact: str) -> str:
        """Return the code in a ```python fence (how prompts and training targets show it)."""
        return f"```python\n{artifact.rstrip()}\n```"

    def answer_complete(self, text: str) -> bool:
        """Return True once ``text`` holds a closed fenced code block."""
        return answer_complete(text)

    def extract(self, text: str) -> str | None:
        """Return the Python code in a completion, or None when there is none."""
        return extract_code(text)

    def verify(self, task: Task, artifact: str | None, sandbox: Any) -> Verdict:
        """Run ``artifact`` against the task's public and hidden tests in ``sandbox``."""
        return verify_code(task, artifact, sandbox)

    def feedback(self, task: Task, verdict: Verdict, style: FeedbackStyle = "specific") -> str:
        """Return feedback from public cases only (see :mod:`forge_code.feedback`)."""
        return feedback_text(verdict, style)


def _examples(task: Task) -> str:
    """Return ``Examples:`` lines from the first public tests, e.g. ``fizzbuzz(3) == 'Fizz'``."""
    entry = task.data["entry_point"]
    lines = []
    for test in list(task.data.get("tests", ()))[:EXAMPLES_SHOWN]:
        if "input" not in test:
            continue
        args = ", ".join(repr(a) for a in from_json(test["input"]))
        lines.append(f"{entry}({args}) == {from_json(test['expected'])!r}")
    return ("Examples:\n" + "\n".join(lines) + "\n") if lines else ""
