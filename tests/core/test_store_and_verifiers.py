"""Run store round trips and atomic units; combining extra verifiers' verdicts."""

from __future__ import annotations

import sqlite3

import pytest

from forge.errors import StoreError
from forge.store import RunStore
from forge.types import Attempt, Candidate, CaseResult, Task, TrainingExample, Verdict
from forge.verifiers import combine, verify_all


def _verdict(passed: int, total: int, hidden: int = 0) -> Verdict:
    cases = [
        CaseResult(
            name=f"t{i}", passed=i < passed, input=[i], expected=i, got=i if i < passed else -1
        )
        for i in range(total)
    ]
    cases += [CaseResult(name=f"h{i}", passed=True, hidden=True) for i in range(hidden)]
    return Verdict(status="passed" if passed == total else "failed", cases=tuple(cases))


def test_units_are_atomic_and_idempotent(tmp_path) -> None:
    store = RunStore(tmp_path / "forge.db")
    cand = Candidate(id="search:a:g0:0", task_id="a", text="x", artifact="x", generation=0)
    attempt = Attempt(cand, _verdict(1, 2, hidden=1), 0.5, "input=[1] expected=1 got=-1")
    store.commit_unit("search", "gen-0", [attempt])
    store.commit_unit("search", "gen-0", [attempt])
    rows = store.candidates("search")
    assert (
        len(rows) == 1
        and store.unit_done("search", "gen-0")
        and not store.unit_done("search", "gen-1")
    )
    assert rows[0]["verdict"].passed == 1 and rows[0]["hidden_total"] == 1
    assert store.attempts("search") == [attempt]
    with pytest.raises(RuntimeError), store.transaction() as db:
        db.execute("INSERT INTO units VALUES ('search', 'gen-1', 0)")
        raise RuntimeError("killed mid-unit")
    assert not store.unit_done("search", "gen-1")


def test_phases_tasks_pairs_and_log(tmp_path) -> None:
    store = RunStore(tmp_path / "forge.db")
    store.save_tasks([Task("a", "code", "p", {"tests": [1]})], [Task("b", "code", "q")])
    train, held = store.load_tasks()
    assert (
        [t.id for t in train] == ["a"]
        and [t.id for t in held] == ["b"]
        and train[0].data == {"tests": [1]}
    )
    store.start_phase("before")
    assert store.phase_status("before") == "running"
    store.add_phase_seconds("before", 2.0)
    store.finish_phase("before", 1.0, {"train": {"passed": 1}})
    assert store.phases()["before"]["seconds"] == 3.0 and store.phase_status("before") == "done"
    example = TrainingExample("a", ({"role": "user", "content": "fix"},), "good", "bad", 1.0, 0.2)
    store.save_examples([example])
    assert store.examples() == [example]
    store.save_train_log([(1, 2.0), (2, 1.5)])
    assert store.train_log() == [(1, 2.0), (2, 1.5)]


def test_not_a_database(tmp_path) -> None:
    bad = tmp_path / "forge.db"
    bad.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(StoreError, match="cannot be opened"):
        RunStore(bad)


def test_newer_schema_is_refused(tmp_path) -> None:
    RunStore(tmp_path / "forge.db").set_meta("schema_version", 99)
    with pytest.raises(StoreError, match="has schema 99"):
        RunStore(tmp_path / "forge.db")
    assert (
        sqlite3.connect(tmp_path / "forge.db").execute("select count(*) from meta").fetchone()[0]
        >= 1
    )


def test_failing_extra_verifier_turns_pass_into_fail() -> None:
    base = _verdict(2, 2)
    extra = Verdict(
        status="failed",
        cases=(CaseResult(name="imports", passed=False, message="imports os"),),
        message="imports outside the allow-list",
    )
    out = combine(base, extra, "import-guard")
    assert out.status == "failed" and out.cases[-1].name == "import-guard: imports"
    assert out.extra["verifiers"] == {"import-guard": "failed"}
    assert out.message == "import-guard: imports outside the allow-list"


def test_extra_verifier_cannot_rescue_or_hide_a_broken_answer() -> None:
    base = Verdict(status="timeout", message="timed out after 2.0s")
    out = combine(base, Verdict(status="passed"), "x")
    assert out.status == "timeout" and out.message == "timed out after 2.0s"
    assert combine(base, None, "x") is base


def test_schema_1_store_is_migrated_and_keeps_its_pairs(tmp_path) -> None:
    """A run made by forge 0.1 (no 'rejected' column) opens, keeps its pairs, gains the column."""
    db = sqlite3.connect(tmp_path / "forge.db")
    db.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES ('schema_version', '1');"
        "CREATE TABLE pairs (id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL,"
        " kind TEXT NOT NULL, messages TEXT NOT NULL, target TEXT NOT NULL, weak_score REAL,"
        " strong_score REAL);"
        "INSERT INTO pairs (task_id, kind, messages, target, weak_score, strong_score)"
        " VALUES ('a', 'repair', '[]', 'good', 0.2, 1.0);"
    )
    db.commit()
    db.close()
    store = RunStore(tmp_path / "forge.db")
    assert store.get_meta("schema_version") == 2
    assert store.examples() == [TrainingExample("a", (), "good", None, 1.0, 0.2, "repair")]


def test_domain_that_raises_gives_an_error_verdict_naming_it() -> None:
    """A plugin's bug (here a Verdict built with a positional message) never escapes verify."""

    class Broken:
        name = "broken"

        def verify(self, task, artifact, sandbox):
            return Verdict("failed", "message")  # cases given a string: a plugin mistake

    task = Task("t", "broken", "p")
    [verdict] = verify_all(Broken(), [(task, "x")], None)  # type: ignore[arg-type]
    assert verdict.status == "error"
    assert verdict.message.startswith("domain 'broken' failed while verifying: TypeError: ")
    assert "Verdict.cases must be a tuple of CaseResult, not str 'message'" in verdict.message


class _Hostile:
    """A plugin domain that hands back what a hostile answer put in its verdict, raw."""

    name = "hostile"

    def __init__(self, raises: bool = False) -> None:
        self.raises = raises

    def verify(self, task, artifact, sandbox):
        if self.raises:
            raise ValueError("\x1b[2J\x1b]52;c;cGF3bmVk\x07 \ud800")
        case = CaseResult(name="c\x1b[1A", passed=False, got=10**5000, message="\ud800\x1b[31m")
        return Verdict("failed", cases=(case,), message="PASSED\r\x1b[K")


def test_every_plugin_verdict_is_capped_and_escaped_at_the_fan_out(tmp_path) -> None:
    """A domain without its own sanitising (a plugin) still gives a verdict that stores and prints."""
    task = Task("t", "hostile", "p")
    [verdict] = verify_all(_Hostile(), [(task, "x")], None)  # type: ignore[arg-type]
    [case] = verdict.cases
    assert case.got == "<int with 5001 digits>"
    assert verdict.message == "PASSED\\x0d\\x1b[K" and case.name == "c\\x1b[1A"
    assert case.message == "\\ud800\\x1b[31m"
    store = RunStore(tmp_path / "forge.db")
    cand = Candidate(id="search:t:g0:0", task_id="t", text="x", artifact="x", generation=0)
    store.commit_unit("search", "gen-0", [Attempt(cand, verdict, 0.0, verdict.message)])
    assert store.candidates()[0]["verdict"].cases[0].got == "<int with 5001 digits>"


def test_a_raising_plugin_is_an_error_verdict_with_its_message_escaped() -> None:
    """Escapes and surrogates in a plugin's exception never reach the console or the store."""
    [verdict] = verify_all(_Hostile(raises=True), [(Task("t", "hostile", "p"), "x")], None)  # type: ignore[arg-type]
    assert verdict.status == "error"
    assert "\x1b" not in verdict.message and "\\x1b]52;" in verdict.message
    verdict.message.encode("utf-8")
