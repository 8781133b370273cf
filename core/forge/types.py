"""The plain data that flows through forge: tasks, candidates, verdicts and repair pairs.

All are frozen dataclasses holding plain data only, so they can be stored, compared
and sent between processes. Domain-specific content lives in ``Task.data``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Message = dict[str, str]
"""One chat message: ``{"role": "system" | "user" | "assistant", "content": "..."}``."""

Status = Literal[
    "passed",  # every case passed
    "failed",  # ran, at least one case wrong
    "error",  # the artifact raised or did not compile/run
    "timeout",  # wall clock or CPU limit hit
    "memory",  # memory limit hit
    "output_limit",  # printed or returned more than allowed
    "crash",  # killed by a signal, or exited without a result
    "invalid",  # no artifact could be extracted from the completion
    "rejected",  # refused before running (unsafe or disallowed)
]
STATUSES: tuple[str, ...] = (
    "passed",
    "failed",
    "error",
    "timeout",
    "memory",
    "output_limit",
    "crash",
    "invalid",
    "rejected",
)


@dataclass(frozen=True)
class Task:
    """One problem a domain can pose and check.

    ``data`` holds everything domain-specific (tests, entry point, database, reference
    answer). Hidden checks live in ``data`` too; a domain never shows them in feedback.
    """

    id: str
    domain: str
    prompt: str
    data: Mapping[str, Any] = field(default_factory=dict)
    difficulty: int = 1
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the task as JSON-ready plain data."""
        return {**asdict(self), "data": dict(self.data)}


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one check (one test, one query comparison, one equivalence test)."""

    name: str
    passed: bool
    input: Any = None
    expected: Any = None
    got: Any = None
    message: str = ""
    hidden: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the case as JSON-ready plain data (values shown with ``repr`` where needed)."""
        return {k: _plain(v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Verdict:
    """What the trusted side concluded about one artifact.

    ``status`` is one of :data:`STATUSES`. ``cases`` holds public and hidden case results;
    ``message`` explains whole-artifact outcomes (no code found, timed out after 2.0s).
    ``isolation`` names the sandbox layers that were active.
    """

    status: str
    cases: tuple[CaseResult, ...] = ()
    message: str = ""
    duration_s: float = 0.0
    isolation: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def public(self) -> tuple[CaseResult, ...]:
        """Cases whose details may be shown to the model."""
        return tuple(c for c in self.cases if not c.hidden)

    @property
    def hidden(self) -> tuple[CaseResult, ...]:
        """Cases that are never shown in feedback."""
        return tuple(c for c in self.cases if c.hidden)

    @property
    def passed(self) -> int:
        """Number of public cases that passed."""
        return sum(c.passed for c in self.public)

    @property
    def total(self) -> int:
        """Number of public cases."""
        return len(self.public)

    @property
    def ok(self) -> bool:
        """True when the status is ``passed`` (every case, public and hidden, passed)."""
        return self.status == "passed"

    @property
    def public_ok(self) -> bool:
        """True when every public case passed (what the search may see)."""
        return self.total > 0 and self.passed == self.total and self.status in ("passed", "failed")

    def headline(self) -> tuple[int, int]:
        """Return ``(passed, total)`` on hidden cases when there are any, else on public ones."""
        cases = self.hidden or self.public
        return sum(c.passed for c in cases), len(cases)

    def to_dict(self) -> dict[str, Any]:
        """Return the verdict as JSON-ready plain data."""
        return {
            "status": self.status,
            "passed": self.passed,
            "total": self.total,
            "message": self.message,
            "duration_s": round(self.duration_s, 6),
            "isolation": list(self.isolation),
            "cases": [c.to_dict() for c in self.cases],
            "extra": {k: _plain(v) for k, v in dict(self.extra).items()},
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Verdict:
        """Rebuild a verdict stored with :meth:`to_dict` (values stay in their stored form)."""
        cases = tuple(
            CaseResult(
                name=c["name"],
                passed=bool(c["passed"]),
                input=c.get("input"),
                expected=c.get("expected"),
                got=c.get("got"),
                message=c.get("message", ""),
                hidden=bool(c.get("hidden", False)),
            )
            for c in d.get("cases", ())
        )
        return cls(
            status=d["status"],
            cases=cases,
            message=d.get("message", ""),
            duration_s=float(d.get("duration_s", 0.0)),
            isolation=tuple(d.get("isolation", ())),
            extra=dict(d.get("extra", {})),
        )


@dataclass(frozen=True)
class Candidate:
    """One generated answer: the raw completion, the extracted artifact and its lineage."""

    id: str
    task_id: str
    text: str
    artifact: str | None
    generation: int = 0
    parent_id: str | None = None
    phase: str = "search"


@dataclass(frozen=True)
class RepairPair:
    """A training example: show the weak artifact and its feedback, target the stronger one."""

    task_id: str
    messages: tuple[Message, ...]
    target: str
    weak_score: float = 0.0
    strong_score: float = 1.0
    kind: Literal["repair", "rehearsal"] = "repair"

    def to_dict(self) -> dict[str, Any]:
        """Return the pair in the JSONL form ``forge train`` reads."""
        return {
            "task_id": self.task_id,
            "kind": self.kind,
            "messages": list(self.messages),
            "target": self.target,
            "weak_score": self.weak_score,
            "strong_score": self.strong_score,
        }


def _plain(value: Any) -> Any:
    """Return ``value`` if JSON can hold it exactly, else its ``repr``."""
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        return (
            value if value == value and value not in (float("inf"), float("-inf")) else repr(value)
        )
    if type(value) is list:
        return [_plain(v) for v in value]
    if type(value) is dict and all(type(k) is str for k in value):
        return {k: _plain(v) for k, v in value.items()}
    return repr(value)
