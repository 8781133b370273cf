"""The ``sql`` domain: questions about a database, answered with one SQLite query.

A query is refused if it is not a single read-only query, executed in the sandbox on
the task's example database (and its hidden variants), and its rows compared with the
gold query's rows under the policy in :mod:`forge_sql.compare`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from forge import sanitize
from forge.domain import Domain, FeedbackStyle, score_only_feedback
from forge.types import CaseResult, Message, Task, Verdict
from forge_sql import tasks as task_files
from forge_sql.compare import Comparison, compare_results
from forge_sql.databases import database_path, identifiers
from forge_sql.execute import Outcome, foreign_readings, limits, run_queries
from forge_sql.extract import TOO_LONG, TOO_LONG_MESSAGE, answer_complete, extract_query
from forge_sql.gold import GoldResult, gold_result
from forge_sql.guard import check_query, nondeterminism_reason, strip_comments
from forge_sql.hints import explain_error

if TYPE_CHECKING:
    from forge.sandbox import Sandbox

SYSTEM = "You write SQLite queries. Answer with exactly one query in a ```sql block."
SHOWN_ROWS = 10
_SCORES = {"error": 0.05, "timeout": 0.02, "memory": 0.02, "output_limit": 0.02, "crash": 0.02}
_HIDDEN_FAIL = (
    "The result is right on the example database but wrong on another database with the "
    "same tables and other rows: compute the answer in the query, do not hard-code values."
)


class SqlDomain(Domain):
    """Text-to-SQL verified by executing the query against real SQLite databases."""

    name: ClassVar[str] = "sql"
    version: ClassVar[str] = "2"
    description: ClassVar[str] = "Questions about a database, answered with one SQLite query."
    system_prompt: ClassVar[str] = SYSTEM

    def __init__(self, wall_s: float = 4.0, memory_mb: int = 512) -> None:
        """Set the per-query sandbox limits (wall clock and CPU seconds, memory)."""
        self.limits = limits(wall_s, memory_mb)

    def load_tasks(self, source: str | None) -> list[Task]:
        """Return the built-in tasks (``source`` None) or those of a JSONL/YAML task file."""
        return task_files.load_builtin() if source is None else task_files.load_file(source)

    def build_prompt(self, task: Task) -> list[Message]:
        """Return [system, user]: the tables, a one-line example answer, the question (compact)."""
        schema = task.data["schema"]
        first = schema.split("(", 1)[0].strip() or "t"
        user = (
            f"SQLite tables:\n{schema}\n\n"
            f"Example question: How many rows does {first} have?\n"
            f"```sql\nSELECT COUNT(*) FROM {first};\n```\n\n"
            f"Question: {task.data['question']}\n"
            "Write one SQLite SELECT query that answers it, in a ```sql block."
        )
        return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]

    def format_artifact(self, artifact: str) -> str:
        """Return the query fenced as ```sql, as prompts and training targets show it."""
        return f"```sql\n{artifact.strip()}\n```"

    def answer_complete(self, text: str) -> bool:
        """Return True once the completion holds a closed fenced block."""
        return answer_complete(text)

    def extract(self, text: str) -> str | None:
        """Return the query in a completion (first ```sql block), or None."""
        return extract_query(text)

    def verify(self, task: Task, artifact: str | None, sandbox: Sandbox) -> Verdict:
        """Check ``artifact`` on the task's databases; never raises for a bad query."""
        if artifact == TOO_LONG:
            return _not_run(task, "invalid", TOO_LONG_MESSAGE, "")
        return sanitize.guard(lambda: self._verify(task, artifact, sandbox))

    def _verify(self, task: Task, artifact: str | None, sandbox: Sandbox) -> Verdict:
        if artifact is None or not strip_comments(artifact).strip(" \t\r\n;"):
            return _not_run(task, "invalid", "No SQL query found in the answer.", "")
        reason = check_query(artifact) or nondeterminism_reason(artifact)
        if reason:
            return _not_run(task, "rejected", reason, artifact)
        dbs = [database_path(task.data["database"])]
        dbs += [database_path(s) for s in task.data.get("hidden_databases", ())]
        golds = [gold_result(task.data["gold"], db, task.id) for db in dbs]
        max_rows = max(len(g.rows) for g in golds) * 2 + 20
        query, note, outcome = self._run_public(sandbox, artifact, dbs[0], max_rows)
        if outcome.status != "ok":
            return self._failure_verdict(task, query, outcome, dbs[0])
        outcomes = [outcome]
        public, similarity = self._case(task, golds[0], outcome, "example database", hidden=False)
        if public.passed and len(dbs) > 1:
            outcomes += run_queries(sandbox, query, dbs[1:], max_rows, self.limits)
        cases = [public] + [
            self._hidden_case(task, gold, outcomes[i] if i < len(outcomes) else None, i)
            for i, gold in enumerate(golds[1:], 1)
        ]
        return self._verdict(cases, outcomes, query, note, similarity)

    def _run_public(
        self, sandbox: Sandbox, query: str, db: Any, max_rows: int
    ) -> tuple[str, str, Outcome]:
        """Run on the example database; on a syntax error, try other dialects' readings."""
        outcome = run_queries(sandbox, query, [db], max_rows, self.limits)[0]
        if outcome.status != "error":
            return query, "", outcome
        for dialect, rewritten in foreign_readings(query, outcome.message):
            again = run_queries(sandbox, rewritten, [db], max_rows, self.limits)[0]
            if again.status == "ok":
                return rewritten, f"transpiled from {dialect} to SQLite", again
        return query, "", outcome

    def _failure_verdict(self, task: Task, query: str, outcome: Outcome, db: Any) -> Verdict:
        """A verdict for a query that did not produce rows (error, refusal, limit)."""
        message = outcome.message
        if outcome.status == "error":
            message = explain_error(message, query, identifiers(db))
        verdict = _not_run(task, outcome.status, message, query)
        return replace(verdict, duration_s=outcome.duration_s, isolation=outcome.isolation)

    def _case(
        self, task: Task, gold: GoldResult, outcome: Outcome, name: str, hidden: bool
    ) -> tuple[CaseResult, float]:
        """Compare one outcome with the gold result; return the case and its similarity."""
        comparison = _compare(task, gold, outcome)
        case = CaseResult(
            name,
            comparison.equal,
            input=name,
            expected=[list(r) for r in gold.rows[:SHOWN_ROWS]],
            got=[list(r) for r in outcome.rows[:SHOWN_ROWS]],
            message=comparison.message,
            hidden=hidden,
        )
        return case, comparison.similarity

    def _hidden_case(
        self, task: Task, gold: GoldResult, outcome: Outcome | None, i: int
    ) -> CaseResult:
        name = f"hidden database {i}"
        if outcome is None:
            return CaseResult(
                name, False, message="not run: the example database failed", hidden=True
            )
        if outcome.status != "ok":
            return CaseResult(
                name, False, message=f"{outcome.status}: {outcome.message}", hidden=True
            )
        return self._case(task, gold, outcome, name, hidden=True)[0]

    def _verdict(
        self,
        cases: list[CaseResult],
        outcomes: list[Outcome],
        query: str,
        note: str,
        similarity: float,
    ) -> Verdict:
        """The verdict for a query that ran on the example database."""
        passed = all(c.passed for c in cases)
        public = cases[0]
        score = 1.0 if passed else (0.9 if public.passed else similarity)
        return Verdict(
            "passed" if passed else "failed",
            cases=tuple(cases),
            message="" if passed else (public.message if not public.passed else _HIDDEN_FAIL),
            duration_s=sum(o.duration_s for o in outcomes),
            isolation=outcomes[0].isolation,
            extra={"score": score, "query": query, "note": note},
        )

    def feedback(self, task: Task, verdict: Verdict, style: FeedbackStyle = "specific") -> str:
        """Return what went wrong, from the example database only (hidden data never shown)."""
        if style == "score-only":
            return score_only_feedback(verdict)
        note = verdict.extra.get("note") if verdict.extra else ""
        suffix = f" (Note: the query was {note}.)" if note else ""
        status = verdict.status
        if status == "passed":
            return "The query is correct." + suffix
        if status == "invalid" and verdict.message == TOO_LONG_MESSAGE:
            return TOO_LONG_MESSAGE
        if status == "invalid":
            return "No SQL query found. Answer with one SQLite query in a ```sql block."
        if status == "error":
            return f"The query failed: {verdict.message}"
        if status in ("timeout", "memory", "output_limit", "crash"):
            return (
                f"The query was stopped ({verdict.message}). Avoid huge cross joins, "
                "endless recursive CTEs and giant strings."
            )
        if status == "rejected":
            return verdict.message
        public = verdict.public[0] if verdict.public else None
        if public is not None and not public.passed:
            return f"Wrong result: {public.message}.{suffix}"
        return _HIDDEN_FAIL + suffix

    def score(self, verdict: Verdict) -> float:
        """Return 1 for a pass, else partial credit (rows in common, right shape, ran at all)."""
        extra = verdict.extra or {}
        if verdict.status == "passed":
            return 1.0
        return min(0.95, float(extra.get("score", 0.0)))


def _compare(task: Task, gold: GoldResult, outcome: Outcome) -> Comparison:
    """Compare under the policy; a query whose rows change with scan order never passes."""
    ordered = bool(task.data.get("order_matters")) and gold.order_stable
    if outcome.truncated:
        n = len(gold.rows)
        return Comparison(
            False, f"expected {n} row{'s' * (n != 1)}, got more than {len(outcome.rows)}", 0.15
        )
    first = compare_results(gold.rows, gold.columns, outcome.rows, outcome.columns, ordered)
    if not first.equal or outcome.reversed_rows is None:
        return first
    second = compare_results(
        gold.rows, gold.columns, outcome.reversed_rows, outcome.columns, ordered
    )
    if second.equal:
        return first
    return Comparison(
        False,
        "the result depends on the order the engine reads rows in (LIMIT or ORDER BY "
        "without a tie-breaker, or random()); make it deterministic",
        0.6,
    )


def _not_run(task: Task, status: str, message: str, query: str) -> Verdict:
    """A verdict for a query that produced no rows: every case failed with ``message``."""
    hidden = [
        CaseResult(f"hidden database {i}", False, message="not run", hidden=True)
        for i in range(1, 1 + len(task.data.get("hidden_databases", ())))
    ]
    case = CaseResult("example database", False, input=query or None, message=message)
    return Verdict(
        status,
        cases=(case, *hidden),
        message=message,
        extra={"score": _SCORES.get(status, 0.0), "query": query},
    )
