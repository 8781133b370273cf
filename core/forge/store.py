"""The run store: one SQLite file per run (``runs/<id>/forge.db``) holding everything measured.

Every unit of work (a phase's generation, a training run) is written in one transaction
together with a ``units`` row naming it, so a run killed at any moment resumes from the
last completed unit without losing or repeating verified results.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from forge import sanitize
from forge.errors import StoreError
from forge.types import Attempt, Candidate, Task, TrainingExample, Verdict

SCHEMA_VERSION = 2
"""2: training examples keep the rejected answer (preference training); 1 is migrated on open."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY, split TEXT NOT NULL, ord INTEGER NOT NULL, task TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS phases (
    name TEXT PRIMARY KEY, status TEXT NOT NULL, started REAL, finished REAL,
    seconds REAL DEFAULT 0, stats TEXT DEFAULT '{}');
CREATE TABLE IF NOT EXISTS units (phase TEXT NOT NULL, unit TEXT NOT NULL, finished REAL NOT NULL,
    PRIMARY KEY (phase, unit));
CREATE TABLE IF NOT EXISTS candidates (
    id TEXT PRIMARY KEY, phase TEXT NOT NULL, task_id TEXT NOT NULL, generation INTEGER NOT NULL,
    parent_id TEXT, text TEXT NOT NULL, artifact TEXT, status TEXT NOT NULL, score REAL NOT NULL,
    passed INTEGER NOT NULL, total INTEGER NOT NULL, hidden_passed INTEGER NOT NULL,
    hidden_total INTEGER NOT NULL, feedback TEXT NOT NULL, verdict TEXT NOT NULL, created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS candidates_by_phase ON candidates (phase, task_id, generation);
CREATE TABLE IF NOT EXISTS pairs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL, kind TEXT NOT NULL,
    messages TEXT NOT NULL, target TEXT NOT NULL, weak_score REAL, strong_score REAL,
    rejected TEXT);
CREATE TABLE IF NOT EXISTS train_log (iter INTEGER PRIMARY KEY, loss REAL NOT NULL);
"""


class RunStore:
    """Read and write one run's ``forge.db``. Safe to use from one thread at a time per call."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self.db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"Run store '{self.path}' cannot be opened: {exc}.",
                "Is this a forge run folder? Start a new run instead.",
            ) from None
        version = self.get_meta("schema_version")
        if version == 1:
            self._migrate_from_1()
        elif version is None:
            self.set_meta("schema_version", SCHEMA_VERSION)
        elif version != SCHEMA_VERSION:
            raise StoreError(
                f"Run store '{self.path}' has schema {version}; this forge reads {SCHEMA_VERSION}.",
                "Use the forge version that made the run, or start a new run.",
            )

    def _migrate_from_1(self) -> None:
        """Add the column schema 2 introduced (a run made by forge 0.1 resumes unchanged)."""
        with self.transaction() as db:
            cols = {r[1] for r in db.execute("PRAGMA table_info(pairs)")}
            if "rejected" not in cols:
                db.execute("ALTER TABLE pairs ADD COLUMN rejected TEXT")
            db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block of writes atomically (all or nothing, durable once the block exits)."""
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    # ----- meta ------------------------------------------------------------------------
    def set_meta(self, key: str, value: Any) -> None:
        """Store ``value`` (JSON-encoded) under ``key``."""
        with self._lock:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    def get_meta(self, key: str, default: Any = None) -> Any:
        """Return the value stored under ``key``, or ``default``."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    # ----- tasks -----------------------------------------------------------------------
    def save_tasks(
        self, train: Iterable[Task], heldout: Iterable[Task], transfer: Iterable[Task] = ()
    ) -> None:
        """Record the task split once, at the start of a run (transfer tasks: measured only)."""
        with self.transaction() as db:
            for split, tasks in (("train", train), ("heldout", heldout), ("transfer", transfer)):
                for i, t in enumerate(tasks):
                    db.execute(
                        "INSERT OR REPLACE INTO tasks VALUES (?, ?, ?, ?)",
                        (t.id, split, i, json.dumps(t.to_dict(), default=repr)),
                    )

    def load_tasks(self) -> tuple[list[Task], list[Task]]:
        """Return ``(train, heldout)`` tasks as saved."""
        return self.load_split("train"), self.load_split("heldout")

    def load_split(self, split: str) -> list[Task]:
        """Return the tasks saved under ``split`` (``train``, ``heldout`` or ``transfer``)."""
        rows = self.db.execute("SELECT task FROM tasks WHERE split = ? ORDER BY ord", (split,))
        return [Task(**json.loads(raw)) for (raw,) in rows]

    # ----- phases and units ------------------------------------------------------------
    def phase_status(self, name: str) -> str | None:
        """Return ``running``/``done`` for a phase, or None if it never started."""
        row = self.db.execute("SELECT status FROM phases WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def start_phase(self, name: str) -> None:
        """Mark a phase as running (keeps its first start time on resume)."""
        with self._lock:
            self.db.execute(
                "INSERT INTO phases (name, status, started) VALUES (?, 'running', ?) "
                "ON CONFLICT(name) DO UPDATE SET status = 'running'",
                (name, time.time()),
            )

    def finish_phase(self, name: str, seconds: float, stats: dict[str, Any]) -> None:
        """Mark a phase done with its wall time (summed over resumed sessions) and stats."""
        with self._lock:
            self.db.execute(
                "UPDATE phases SET status = 'done', finished = ?, seconds = seconds + ?, stats = ? WHERE name = ?",
                (time.time(), seconds, json.dumps(stats), name),
            )

    def add_phase_seconds(self, name: str, seconds: float) -> None:
        """Add wall time spent in a phase that was interrupted (so resumed runs report honest time)."""
        with self._lock:
            self.db.execute(
                "UPDATE phases SET seconds = seconds + ? WHERE name = ?", (seconds, name)
            )

    def phases(self) -> dict[str, dict[str, Any]]:
        """Return every phase record by name."""
        rows = self.db.execute("SELECT name, status, started, finished, seconds, stats FROM phases")
        return {
            r[0]: {
                "status": r[1],
                "started": r[2],
                "finished": r[3],
                "seconds": r[4],
                "stats": json.loads(r[5] or "{}"),
            }
            for r in rows
        }

    def unit_done(self, phase: str, unit: str) -> bool:
        """Return True if ``unit`` of ``phase`` was committed."""
        q = "SELECT 1 FROM units WHERE phase = ? AND unit = ?"
        return self.db.execute(q, (phase, unit)).fetchone() is not None

    # ----- candidates --------------------------------------------------------------------
    def commit_unit(self, phase: str, unit: str, attempts: Iterable[Attempt]) -> None:
        """Store a unit's attempts (candidate, verdict, score, feedback) and mark the unit done."""
        now = time.time()
        with self.transaction() as db:
            for attempt in attempts:
                cand, verdict, score, feedback = (
                    attempt.candidate,
                    attempt.verdict,
                    attempt.score,
                    attempt.feedback,
                )
                hidden_passed = sum(c.passed for c in verdict.hidden)
                db.execute(
                    "INSERT OR REPLACE INTO candidates VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        cand.id,
                        phase,
                        cand.task_id,
                        cand.generation,
                        cand.parent_id,
                        sanitize.storable(cand.text),
                        sanitize.storable(cand.artifact),
                        verdict.status,
                        score,
                        verdict.passed,
                        verdict.total,
                        hidden_passed,
                        len(verdict.hidden),
                        sanitize.storable(feedback),
                        json.dumps(verdict.to_dict()),
                        now,
                    ),
                )
            db.execute("INSERT OR REPLACE INTO units VALUES (?, ?, ?)", (phase, unit, now))

    def candidates(
        self, phase: str | None = None, task_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Return stored candidates (dicts with every column; ``verdict`` decoded), oldest first."""
        q = "SELECT * FROM candidates WHERE (? IS NULL OR phase = ?) AND (? IS NULL OR task_id = ?) ORDER BY rowid"
        cur = self.db.execute(q, (phase, phase, task_id, task_id))
        cols = [c[0] for c in cur.description]
        out = []
        for row in cur.fetchall():
            d = dict(zip(cols, row, strict=True))
            d["verdict"] = Verdict.from_dict(json.loads(d["verdict"]))
            out.append(d)
        return out

    def attempts(self, phase: str | None = None) -> list[Attempt]:
        """Return stored attempts (of ``phase``, or all), oldest first."""
        return [
            Attempt(
                Candidate(
                    id=r["id"],
                    task_id=r["task_id"],
                    text=r["text"],
                    artifact=r["artifact"],
                    generation=r["generation"],
                    parent_id=r["parent_id"],
                    phase=r["phase"],
                ),
                r["verdict"],
                r["score"],
                r["feedback"],
            )
            for r in self.candidates(phase)
        ]

    # ----- training examples -------------------------------------------------------------
    def save_examples(self, examples: Iterable[TrainingExample]) -> None:
        """Replace the run's training examples atomically (the phase record marks PAIRS done)."""
        with self.transaction() as db:
            db.execute("DELETE FROM pairs")
            for e in examples:
                db.execute(
                    "INSERT INTO pairs (task_id, kind, messages, target, weak_score, strong_score,"
                    " rejected) VALUES (?,?,?,?,?,?,?)",
                    (
                        e.task_id,
                        e.kind,
                        json.dumps(list(e.prompt)),
                        sanitize.storable(e.chosen),
                        e.rejected_score,
                        e.chosen_score,
                        sanitize.storable(e.rejected),
                    ),
                )

    def examples(self) -> list[TrainingExample]:
        """Return the run's training examples in the order they were saved."""
        rows = self.db.execute(
            "SELECT task_id, kind, messages, target, weak_score, strong_score, rejected "
            "FROM pairs ORDER BY id"
        )
        return [
            TrainingExample(
                task_id=r[0],
                kind=r[1],
                prompt=tuple(json.loads(r[2])),
                chosen=r[3],
                rejected_score=r[4] if r[4] is not None else 0.0,
                chosen_score=r[5] if r[5] is not None else 1.0,
                rejected=r[6],
            )
            for r in rows
        ]

    def save_train_log(self, losses: Iterable[tuple[int, float]]) -> None:
        """Replace the training loss curve."""
        with self.transaction() as db:
            db.execute("DELETE FROM train_log")
            db.executemany("INSERT INTO train_log VALUES (?, ?)", list(losses))

    def train_log(self) -> list[tuple[int, float]]:
        """Return ``(iteration, loss)`` points of the last training."""
        return [
            (int(i), float(v))
            for i, v in self.db.execute("SELECT iter, loss FROM train_log ORDER BY iter")
        ]
