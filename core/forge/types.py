"""The plain data that flows through forge: tasks, candidates, verdicts, attempts, examples.

All are frozen dataclasses holding plain data only, so they can be stored, compared
and sent between processes. Domain-specific content lives in ``Task.data``. The types a
plugin builds (:class:`Verdict`, :class:`CaseResult`, :class:`Task`) check their fields
when they are made, so a plugin's mistake is reported where it happens, naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

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
STATUSES: tuple[str, ...] = get_args(Status)
"""Every verdict status, in the order above."""


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

    def __post_init__(self) -> None:
        _need(self, "id", str, nonempty=True)
        _need(self, "domain", str)
        _need(self, "prompt", str)
        _need(self, "data", Mapping)
        _need(self, "difficulty", int)
        _need(self, "source", str)

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

    def __post_init__(self) -> None:
        _need(self, "name", str)
        _need(self, "passed", bool)
        _need(self, "message", str)
        _need(self, "hidden", bool)

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

    status: Status
    cases: tuple[CaseResult, ...] = ()
    message: str = ""
    duration_s: float = 0.0
    isolation: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise TypeError(
                f"Verdict.status must be one of {', '.join(STATUSES)}, not {self.status!r}"
            )
        if isinstance(self.cases, str) or not isinstance(self.cases, (tuple, list)):
            hint = " (pass text as message=...)" if isinstance(self.cases, str) else ""
            raise TypeError(
                f"Verdict.cases must be a tuple of CaseResult, not {_kind(self.cases)}{hint}"
            )
        if not all(type(c) is CaseResult for c in self.cases):
            bad = next(c for c in self.cases if type(c) is not CaseResult)
            raise TypeError(f"Verdict.cases must hold CaseResult objects, not {_kind(bad)}")
        object.__setattr__(self, "cases", tuple(self.cases))
        _need(self, "message", str)
        _need(self, "duration_s", float)
        if isinstance(self.isolation, str) or not all(isinstance(x, str) for x in self.isolation):
            raise TypeError(
                f"Verdict.isolation must be a tuple of str, not {_kind(self.isolation)}"
            )
        object.__setattr__(self, "isolation", tuple(self.isolation))
        _need(self, "extra", Mapping)

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
class Attempt:
    """One verified candidate: the record the loop, the store and the report all share.

    ``score`` is the domain's ranking of the verdict (public checks only); ``feedback`` is the
    text the model would see in a repair prompt.
    """

    candidate: Candidate
    verdict: Verdict
    score: float
    feedback: str

    @property
    def solved(self) -> bool:
        """True when every headline check passed (hidden ones where the task has them) and every
        public check too: what "solved" means in every count forge reports."""
        v = self.verdict
        passed, total = v.headline()
        return total > 0 and passed == total and v.status in ("passed", "failed") and v.public_ok


def best(attempts: Sequence[Attempt]) -> Attempt | None:
    """Return the attempt the search would pick: highest score, earliest on ties (None if empty).

    The score uses public checks only, so the choice never peeks at hidden tests; every
    summary, table and chart counts this attempt.
    """
    top: Attempt | None = None
    for attempt in attempts:
        if top is None or attempt.score > top.score:
            top = attempt
    return top


ExampleKind = Literal["repair", "rehearsal", "rft"]
"""``repair``: fix a weak answer shown with its feedback; ``rehearsal``: a solved task's
first-attempt prompt with its passing answer; ``rft``: a first-attempt prompt with one of the
model's own verified answers (rejection-sampling fine-tuning)."""


@dataclass(frozen=True)
class TrainingExample:
    """One training example: a prompt, the chosen (verified better) answer, and where there is
    one, a rejected (worse) answer to the same prompt, so preference training needs no other
    record. Scores are the domain's scores of the two answers."""

    task_id: str
    prompt: tuple[Message, ...]
    chosen: str
    rejected: str | None = None
    chosen_score: float = 1.0
    rejected_score: float = 0.0
    kind: ExampleKind = "repair"

    def to_dict(self) -> dict[str, Any]:
        """Return the example as one line of ``pairs.jsonl`` (the form ``forge train`` reads)."""
        return {
            "task_id": self.task_id,
            "kind": self.kind,
            "prompt": list(self.prompt),
            "chosen": self.chosen,
            "rejected": self.rejected,
            "chosen_score": self.chosen_score,
            "rejected_score": self.rejected_score,
        }


def _plain(value: Any) -> Any:
    """Return ``value`` if JSON can hold it exactly, else its (capped, never failing) repr."""
    from forge import sanitize

    if type(value) is int:
        return value if value.bit_length() <= 13000 else sanitize.int_text(value)
    if value is None or type(value) in (bool, str):
        return value
    if type(value) is float:
        return (
            value if value == value and value not in (float("inf"), float("-inf")) else repr(value)
        )
    if type(value) is list:
        return [_plain(v) for v in value]
    if type(value) is dict and all(type(k) is str for k in value):
        return {k: _plain(v) for k, v in value.items()}
    return sanitize.safe_repr(value)


def _kind(value: Any) -> str:
    """Return ``type 'value'`` for error messages, cut short (never fails, even on a huge int)."""
    from forge import sanitize

    text = sanitize.safe_repr(value, 60)
    return f"{type(value).__name__} {text[:40] + '...' if len(text) > 40 else text}"


def _need(obj: Any, name: str, kind: type, nonempty: bool = False) -> None:
    """Raise TypeError unless field ``name`` of ``obj`` is a ``kind`` (ints count as floats)."""
    value = getattr(obj, name)
    if kind is float and type(value) is int:
        object.__setattr__(obj, name, float(value))
        return
    if kind is bool and type(value).__name__ == "bool_":  # numpy's bool, from a comparison
        object.__setattr__(obj, name, bool(value))
        return
    if kind is int and type(value) is bool or not isinstance(value, kind):
        want = kind.__name__
        raise TypeError(f"{type(obj).__name__}.{name} must be {want}, not {_kind(value)}")
    if nonempty and not value:
        raise TypeError(f"{type(obj).__name__}.{name} must not be empty")
