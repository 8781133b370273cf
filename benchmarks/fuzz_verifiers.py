"""Fuzz the built-in verifiers with random and mutated candidates and task lines.

For each domain (code, sql, math), ``--candidates`` completions -- seeds (known-answer
fixtures, hostile snippets) mutated, and random text -- go through ``extract``, ``verify``
(the real sandbox), ``feedback``, ``score``, a JSON round trip of the verdict, the run
store and the console sink; ``--task-lines`` task-file lines -- the domain's own tasks
serialised and mutated, odd JSON, random JSON -- go through ``load_tasks`` and, when they
load, ``build_prompt`` and ``verify``. Counted:

* crashes: an exception out of the domain API (a TaskFormatError from ``load_tasks`` is the
  expected answer to a bad line, and must be one line), or one that ``forge.sanitize.guard``
  caught while judging (an ``error`` verdict "the answer could not be judged");
* hangs: one item taking more than ``--hang-s`` seconds;
* tracebacks: "Traceback" printed on stderr by anything (the lanes included);
* leaks: a raw control character in feedback, in a verdict's text, or after the console sink.

The exit status is 0 only when all four are 0. Run::

    FORGE_HOME=/work/forge-home .venv/bin/python benchmarks/fuzz_verifiers.py     # 10,000 each
    .venv/bin/python benchmarks/fuzz_verifiers.py --candidates 200 --task-lines 400 --seed 1
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import random
import re
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]"
)
ODD_CHARS = ["\ud800", "\udfff", "\x1b[2J", "\x1b]52;c;ZXZpbA==\x07", "\r", "\x00", "\u202e", "\u2028", "\x9b", "\ufeff", "`", "\\"]  # fmt: skip
GENERIC = [
    "```" + "a" * 60000, "```python\n" + "x = (\n" * 4000, "`" * 5000, "```\n" * 300,
    "\n" * 20000, "x" * 150_000, "\\boxed{" * 300, "#### " * 300, "Answer: " + "1+" * 3000 + "1",
    "\ud800 \x1b]52;c;ZXZpbA==\x07 PASSED\r", "", " ", "\x00" * 50,
]  # fmt: skip
CODE = [
    "def FN(*a):\n    return 10 ** 5000\n", "def FN(*a):\n    raise ValueError('\\ud800\\x1b[2J\\r')\n",
    "def FN(*a):\n    return 'x' * 900000\n", "import os\ndef FN(*a):\n    os._exit(0)\n",
    "import fcntl, os\nfor fd in (1, 2, 3):\n    fcntl.fcntl(fd, fcntl.F_SETFL, os.O_NONBLOCK)\n"
    "    fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 4096)\ndef FN(*a):\n    return 0\n",
    "def FN(*a):\n    return {True: 1, 0: 2}\n", "def FN(*a):\n    return float('nan')\n",
    "def FN(*a):\n    return [[[[[[[[[[1]]]]]]]]]] * 1000\n", "def FN(*a):\n    while True:\n        pass\n",
    "class E(Exception):\n    def __str__(self):\n        return '\\x1b[31m' * 1000\ndef FN(*a):\n    raise E()\n",
    "import os\ndef FN(*a):\n    os.chmod(os.__file__, 0)\n    return 1\n",
    "import forge_code.runner as r\nr.run = lambda p: {'setup': ['error', 1, 2, 10**5000, []], 'results': 5}\n",
    "import resource\ndef FN(*a):\n    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]\n",
    "FACTOR = 2\ndef FN(*a):\n    return FACTOR\n", "def FN(*a):\n    return (1,) * 10 ** 6\n",
    "def FN(*a):\n    return {frozenset({1}): {2: [3.0, None, b'x']}}\n",
]  # fmt: skip
MATH = [
    "Answer: nan", "Answer: zoo", "Answer: 9^9^9", "Answer: \\frac{1}{0}", "Answer: sqrt(-1)",
    "Answer: (x+1)^1000", "Answer: 10!!!!", "Answer: " + "(" * 40 + "1", "Answer: x = y = z",
    "Answer: [1, oo)", "Answer: {1,2,3,4,5,6,7,8,9,10,11,12,13}", "Answer: 1e300^1e300",
    "Answer: sin(x)^2 + cos(x)^2", "Answer: ±±1", "Answer: __import__('os')", "2^10", "x^2 + 1",
    "Answer: 0.3333333333333333", "Answer: [-3, 3)", "Answer: 10^5000", "\\boxed{\\boxed{1}",
]  # fmt: skip
SQL = [
    "```sql\nSELECT printf('%.*c', 1000000000, 'x')\n```",
    "```sql\nWITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM r) SELECT * FROM r\n```",
    "```sql\nDROP TABLE customers\n```", "```sql\nSELECT 1; SELECT 2\n```",
    "```sql\nATTACH '/etc/passwd' AS p\n```", "```sql\nSELECT load_extension('x')\n```",
    "```sql\nSELECT zeroblob(1000000000)\n```", "```sql\nSELECT char(55296), char(27) || '[2J'\n```",
    "```sql\nSELECT 99999999999999999999999999999 * 99999999999\n```", "SELECT " + "(" * 500 + "1",
    "```sql\nSELECT * FROM customers a, customers b, customers c, customers d\n```",
]  # fmt: skip
ODD_JSON = [
    {"__tuple__": 5}, {"__set__": [[1]]}, {"__dict__": [[[1], 2]]}, {"__bytes__": "zz"},
    {"__float__": 5}, None, True, -1, 0, 1.5, "", "x" * 5000, [], {}, [[[]]], {"a": {"b": None}},
    float("nan"), float("inf"), 10**300, "\ud800", "\x1b[2J", "../../etc/passwd", "shop",
]  # fmt: skip
RAW_LINES = [
    '{"a": ' + "7" * 5000 + "}", "[" * 100_000 + "]" * 100_000, "{" * 3000, '"\\ud800"', "NaN",
    '{"id": 1e999}', "\xff\xfe", "{}", "[]", "null", '{"id": "x", "prompt": "\\u0000"}',
]  # fmt: skip


def mutate(rng: random.Random, text: str, pool: list[str], max_len: int) -> str:
    """Return ``text`` after one to four random edits (insert, delete, repeat, splice...)."""
    for _ in range(rng.randint(1, 4)):
        i = rng.randint(0, len(text))
        j = rng.randint(i, min(len(text), i + 200))
        op = rng.randrange(8)
        if op == 0:
            text = text[:i] + rng.choice(pool) + text[i:]
        elif op == 1:
            text = text[:i] + text[j:]
        elif op == 2 and j > i:
            text = text[:i] + text[i:j] * rng.randint(2, max(2, max_len // (j - i) // 4)) + text[j:]
        elif op == 3:
            text = text[:i] + rng.choice(ODD_CHARS) + text[i:]
        elif op == 4:
            other = rng.choice(pool)
            text = text[:i] + other[rng.randint(0, len(other)) :]
        elif op == 5:
            text = text[:i]
        elif op == 6:
            text = text[:i] + text[i:j].swapcase() + text[j:]
        else:
            text = re.sub(r"\d+", lambda m: str(rng.choice([0, -1, 10**40, 7])), text, count=3)
    return text[:max_len]


def random_text(rng: random.Random, pool: list[str]) -> str:
    """Random characters (any plane, controls included) mixed with tokens of the domain."""
    parts = []
    for _ in range(rng.randint(0, 40)):
        r = rng.random()
        if r < 0.4:
            parts.append(chr(rng.choice([rng.randint(0, 127), rng.randint(0, 0x10FFFF)])))
        elif r < 0.8:
            parts.append(rng.choice(pool)[: rng.randint(1, 80)])
        else:
            parts.append(rng.choice(ODD_CHARS))
    return "".join(parts)


class Fuzz:
    """One domain's fuzz run: seeds, tasks, counters."""

    def __init__(self, name: str, sandbox: Any, rng: random.Random, hang_s: float, tmp: Path):
        from forge.plugins import get_manager

        self.name, self.sandbox, self.rng, self.hang_s, self.tmp = name, sandbox, rng, hang_s, tmp
        self.domain = get_manager().registry().domains[name]
        self.tasks = self._tasks()
        self.seeds = self._seeds()
        self.rows = self._rows()
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.running: dict[object, str] = {}
        self.statuses: Counter[str] = Counter()
        self.examples: list[str] = []
        self.slowest = 0.0

    def _tasks(self) -> list[Any]:
        from dataclasses import replace

        tasks = self.domain.load_tasks(None)
        if self.name == "code":
            from forge_code.humaneval.loader import convert_all, read_problems

            picked = [p for p in read_problems() if p["task_id"] in HUMANEVAL]
            tasks += convert_all(picked, self.sandbox)
            tasks = [replace(t, data={**t.data, "timeout_s": 0.25}) for t in tasks]
        return tasks

    def _seeds(self) -> list[str]:
        fixtures = ROOT / "tests" / self.name / "fixtures" / "known_answers.jsonl"
        seeds = [json.loads(x)["completion"] for x in fixtures.read_text("utf-8").splitlines() if x.strip()] if fixtures.exists() else []  # fmt: skip
        own = {"code": CODE, "math": MATH, "sql": SQL}[self.name]
        return seeds + own + GENERIC

    def _rows(self) -> list[dict[str, Any]]:
        data = Path(__import__(f"forge_{self.name}").__file__).parent / "data"
        if self.name == "sql":
            import yaml

            return yaml.safe_load((data / "tasks.yaml").read_text("utf-8"))
        file = data / ("builtin_tasks.jsonl" if self.name == "code" else "tasks.jsonl")
        return [json.loads(x) for x in file.read_text("utf-8").splitlines() if x.strip()]

    def candidate(self) -> tuple[Any, str]:
        task = self.rng.choice(self.tasks)
        if self.rng.random() < 0.15:
            text = random_text(self.rng, self.seeds)
        else:
            text = mutate(self.rng, self.rng.choice(self.seeds), self.seeds, 120_000)
        return task, text.replace("FN", str(task.data.get("entry_point", "f")))

    def task_line(self) -> str:
        r = self.rng.random()
        if r < 0.05:
            return self.rng.choice(RAW_LINES)
        row = dict(self.rng.choice(self.rows))
        if r < 0.55:
            key = self.rng.choice([*row, "extra"])
            value = (
                self.rng.choice(ODD_JSON) if self.rng.random() < 0.7 else self.rng.choice(self.rows)
            )
            row[key] = value
        elif r < 0.65 and row:
            row.pop(self.rng.choice(list(row)))
        line = json.dumps(row)
        if r >= 0.65:
            line = mutate(self.rng, line, [json.dumps(v) for v in ODD_JSON[:12]], 20_000)
        return line

    def count(self, what: str, example: str = "") -> None:
        with self.lock:
            self.counts[what] += 1
            if example and len(self.examples) < 5:
                self.examples.append(example)

    def crash(self, what: str, exc: BaseException) -> None:
        self.count("crashes", f"{what}: {''.join(traceback.format_exception(exc))[-1500:]}")

    def judge(self, task: Any, artifact: Any) -> None:
        """Verify and check everything a verdict goes through; count what goes wrong."""
        from forge import sanitize
        from forge.types import STATUSES, Verdict

        start = time.monotonic()
        key = object()
        with self.lock:
            self.running[key] = f"{task.id!r} {str(artifact)[:300]!r}"
        try:
            verdict = self.domain.verify(task, artifact, self.sandbox)
            feedback = self.domain.feedback(task, verdict)
            score = self.domain.score(verdict)
            again = Verdict.from_dict(json.loads(json.dumps(verdict.to_dict())))
            assert (
                verdict.status in STATUSES
                and 0.0 <= score <= 1.0
                and again.status == verdict.status
            )
            texts = [feedback, verdict.message, *(c.message for c in verdict.cases)]
            if any(UNSAFE.search(t.replace("\n", " ")) for t in texts) or UNSAFE.search(
                sanitize.terminal(feedback).replace("\n", " ")
            ):
                self.count("leaks", f"leak: {texts!r:.300}")
            if verdict.message.startswith("the answer could not be judged"):
                self.count(
                    "crashes",
                    f"judging failed: {verdict.message[:400]} on {task.id!r} {str(artifact)[:200]!r}",
                )
            with self.lock:
                self.statuses[verdict.status] += 1
                self.rows_out.append((task, artifact, verdict, score, feedback))
        except Exception as exc:  # noqa: BLE001 - counted and reported
            self.crash(f"verify {task.id!r} {str(artifact)[:80]!r}", exc)
        finally:
            with self.lock:
                self.running.pop(key, None)
        took = time.monotonic() - start
        self.slowest = max(self.slowest, took)
        if took > self.hang_s:
            self.count("hangs", f"hang: {took:.1f}s on {task.id!r} {str(artifact)[:80]!r}")

    def run(self, candidates: int, lines: int, pool: ThreadPoolExecutor, store: Any) -> None:
        self.rows_out: list[Any] = []
        jobs = []
        for _ in range(candidates):
            task, text = self.candidate()
            start = time.monotonic()
            try:
                artifact = self.domain.extract(text)
            except Exception as exc:  # noqa: BLE001
                self.crash(f"extract {text[:80]!r}", exc)
                continue
            if time.monotonic() - start > 1.0:
                self.counts["slow extractions"] += 1
            jobs.append(pool.submit(self.judge, task, artifact))
        self.counts["candidates"] += candidates
        for _ in range(lines):
            jobs += self.load_line(pool)
        self.counts["task lines"] += lines
        done, stuck = wait(jobs, timeout=self.hang_s * 4 + len(jobs) * 0.5)
        if stuck:
            self.counts["hangs"] += len(stuck)
            self.examples += [f"still running: {what}" for what in list(self.running.values())[:5]]
            faulthandler.dump_traceback(sys.stdout)
        self.store(store)

    def load_line(self, pool: ThreadPoolExecutor) -> list[Any]:
        from forge.errors import TaskFormatError

        path = self.tmp / f"{self.name}-tasks.jsonl"
        line = self.task_line()
        path.write_text(line + "\n", "utf-8", errors="surrogatepass")
        start = time.monotonic()
        try:
            tasks = self._load(path, line, start)
        except TaskFormatError as exc:
            if "\n" in exc.one_line():
                self.crash("task error on several lines", exc)
            self.counts["lines refused"] += 1
            return []
        except Exception as exc:  # noqa: BLE001
            self.crash(f"load_tasks {line[:120]!r}", exc)
            return []
        self.counts["lines loaded"] += 1
        jobs = []
        for task in tasks[:2]:
            try:
                self.domain.build_prompt(task)
            except Exception as exc:  # noqa: BLE001
                self.crash(f"build_prompt {line[:120]!r}", exc)
                continue
            _, text = self.candidate()
            try:
                artifact = self.domain.extract(text)
            except Exception as exc:  # noqa: BLE001
                self.crash(f"extract {text[:80]!r}", exc)
                continue
            jobs.append(pool.submit(self.judge, task, artifact))
        return jobs

    def _load(self, path: Path, line: str, start: float) -> list[Any]:
        try:
            return self.domain.load_tasks(str(path))
        finally:
            took = time.monotonic() - start
            if took > self.hang_s:
                self.count("hangs", f"hang: load_tasks took {took:.1f}s on {line[:200]!r}")

    def store(self, store: Any) -> None:
        """Write every verdict through the run store (one unit) and read them back."""
        from forge.types import Attempt, Candidate

        rows = [
            Attempt(Candidate(f"{self.name}-{i}", t.id, str(a), a, 0, None, "fuzz"), v, s, f)
            for i, (t, a, v, s, f) in enumerate(self.rows_out)
        ]
        try:
            store.commit_unit(f"fuzz-{self.name}", "all", rows)
            assert len(store.candidates(f"fuzz-{self.name}")) == len(rows)
        except Exception as exc:  # noqa: BLE001
            self.crash("run store", exc)


HUMANEVAL = {"HumanEval/0", "HumanEval/2", "HumanEval/32", "HumanEval/38", "HumanEval/53", "HumanEval/101"}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the fuzz; print one line per domain and a total; return the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--candidates", type=int, default=10_000)
    ap.add_argument("--task-lines", type=int, default=10_000)
    ap.add_argument("--domains", default="code,sql,math")
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--hang-s", type=float, default=30.0)
    ap.add_argument("--lanes", type=int, default=None)
    args = ap.parse_args(argv)
    err = tempfile.TemporaryFile()
    real_err = os.dup(2)
    os.dup2(err.fileno(), 2)  # everything printed on stderr, by us or by the lanes
    from forge.sandbox import Sandbox
    from forge.store import RunStore

    totals: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp, Sandbox(lanes=args.lanes) as sandbox:
        store = RunStore(Path(tmp) / "forge.db")
        with ThreadPoolExecutor(max_workers=sandbox.lanes * 2) as pool:
            for i, name in enumerate(args.domains.split(",")):
                started = time.monotonic()
                fuzz = Fuzz(name, sandbox, random.Random(args.seed + i), args.hang_s, Path(tmp))
                fuzz.run(args.candidates, args.task_lines, pool, store)
                totals.update({k: fuzz.counts[k] for k in ("crashes", "hangs", "leaks")})
                print(
                    f"{name}: {fuzz.counts['candidates']} candidates, {fuzz.counts['task lines']} task "
                    f"lines ({fuzz.counts['lines loaded']} loaded, {fuzz.counts['lines refused']} refused), "
                    f"{fuzz.counts['crashes']} crashes, {fuzz.counts['hangs']} hangs, "
                    f"{fuzz.counts['leaks']} leaks, slowest verdict {fuzz.slowest:.1f}s, "
                    f"{time.monotonic() - started:.0f}s; statuses {dict(sorted(fuzz.statuses.items()))}",
                    flush=True,
                )
                for example in fuzz.examples:
                    print(f"  {example}", flush=True)
        store.close()
    os.dup2(real_err, 2)
    err.seek(0)
    logged = err.read().decode("utf-8", "replace")
    tracebacks = logged.count("Traceback (most recent call last)")
    if logged.strip():
        sys.stderr.write(logged[-4000:])
    print(
        f"TOTAL: {totals['crashes']} crashes, {totals['hangs']} hangs, {tracebacks} tracebacks, "
        f"{totals['leaks']} leaks"
    )
    return 0 if not (sum(totals.values()) or tracebacks) else 1


if __name__ == "__main__":
    sys.exit(main())
