"""examples/forge-regex installed into a fresh venv with pip, driven through the forge CLI."""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

GOOD = "```regex\n[a-z]{2}\\d{2}\n```\n"
LOOSE = "```regex\n[a-z]+\\d*\n```\n"


def test_domains_lists_regex(regex_venv):
    proc = regex_venv.run("forge", "domains", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = {row["name"]: row for row in json.loads(proc.stdout)}
    assert rows["regex"]["plugin"] == "regex"
    assert rows["regex"]["version"] == "1"
    assert "regex" not in proc.stderr  # loaded cleanly: no warning names it


def test_plugins_names_the_distribution(regex_venv):
    proc = regex_venv.run("forge", "plugins")
    plugin = {p["name"]: p for p in json.loads(proc.stdout)}["regex"]
    assert plugin["distribution"] == "forge-regex"
    assert plugin["module"] == "forge_regex.plugin"
    assert plugin["domains"] == ["regex"] and plugin["error"] is None


def test_tasks_lists_twenty(regex_venv):
    proc = regex_venv.run("forge", "tasks", "--domain", "regex")
    assert proc.returncode == 0, proc.stderr
    assert "20 tasks" in proc.stderr
    assert proc.stdout.splitlines()[0].startswith("digits ")


def test_verify_good_and_bad(regex_venv):
    args = ("forge", "verify", "--domain", "regex", "--task", "letters-then-digits", "-c", "-")
    good = regex_venv.run(*args, input=GOOD)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "PASSED 6/6 public tests, hidden 5/5" in good.stdout
    bad = regex_venv.run(*args, "--json", input=LOOSE)
    assert bad.returncode == 1
    verdict = json.loads(bad.stdout)
    assert verdict["status"] == "failed"
    assert verdict["feedback"].splitlines() == [
        "should not match 'abc' but did",
        "should not match 'a123' but did",
    ]


def test_catastrophic_backtracking_times_out(regex_venv, tmp_path):
    tasks = tmp_path / "evil.jsonl"
    line = {"id": "as", "description": "a's", "match": ["aaa"], "reject": ["a" * 40 + "!"]}
    tasks.write_text(json.dumps(line) + "\n")
    proc = regex_venv.run(
        "forge",
        "verify",
        "-d",
        "regex",
        "-t",
        str(tasks),
        "--task",
        "as",
        "-c",
        "-",
        input="```regex\n(a+)+\n```",
    )
    assert proc.returncode == 1
    assert "TIMEOUT" in proc.stdout
    assert "backtracks catastrophically" in proc.stdout


def test_the_plugins_own_tests_pass(regex_venv):
    proc = regex_venv.run(
        "pytest", "-q", "-p", "no:cacheprovider", cwd=REPO / "examples" / "forge-regex"
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "26 passed" in proc.stdout


def test_plain_forge_does_not_have_it(fresh_venv):
    proc = fresh_venv().run("forge", "domains", "--json")
    assert "regex" not in {row["name"] for row in json.loads(proc.stdout)}
