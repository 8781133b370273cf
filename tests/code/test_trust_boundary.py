"""What a candidate returns or raises can be judged, stored, printed and reported.

Huge ints, lone surrogates, terminal escapes and megabyte values crossed the sandbox
boundary intact and crashed verdict building, the run store or the console.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from forge import sanitize
from forge.store import RunStore
from forge.types import Attempt, Candidate, Verdict

ESCAPES = "\x1b[2J\x1b[1;1H\x1b]52;c;ZXZpbA==\x07\rPASSED \u202egnp.exe\x9b31m"


def _store_and_reload(tmp_path: Path, verdict: Verdict, text: str, feedback: str) -> dict:
    store = RunStore(tmp_path / "forge.db")
    cand = Candidate(id="c1", task_id="t", text=text, artifact=text)
    store.commit_unit("before", "u", [Attempt(cand, verdict, 0.0, feedback)])
    row = store.candidates("before")[0]
    store.close()
    return row


def test_a_huge_int_is_a_failed_case_with_a_capped_got(domain, builtin, forge_sandbox, tmp_path):
    task = builtin["add"]
    verdict = domain.verify(task, "def add(a, b):\n    return 10 ** 5000\n", forge_sandbox)
    assert verdict.status == "failed"
    got = verdict.cases[0].got
    assert repr(got) == "<int with 5001 digits>"
    assert "got=<int with 5001 digits>" in domain.feedback(task, verdict)
    row = _store_and_reload(tmp_path, verdict, "x", domain.feedback(task, verdict))
    assert row["verdict"].cases[0].got == "<int with 5001 digits>"
    json.dumps(verdict.to_dict())


def test_a_huge_int_inside_a_result_is_capped_too(domain, builtin, forge_sandbox) -> None:
    task = builtin["add"]
    verdict = domain.verify(
        task, "def add(a, b):\n    return [1, (2, {3: 10 ** 4500})]\n", forge_sandbox
    )
    assert verdict.status == "failed"
    assert repr(verdict.cases[0].got) == "[1, (2, {3: <int with 4501 digits>})]"


def test_lone_surrogates_and_escapes_in_messages(domain, builtin, forge_sandbox, tmp_path, capsys):
    task = builtin["add"]
    source = "def add(a, b):\n    raise ValueError(" + repr("\ud800 " + ESCAPES) + ")\n"
    verdict = domain.verify(task, source, forge_sandbox)
    assert verdict.status == "error"
    message = verdict.cases[0].message
    assert message.startswith("raised ValueError: \\ud800 \\x1b[2J")
    assert not any(ch in message for ch in "\x1b\x07\r\x9b\u202e\ud800")
    feedback = domain.feedback(task, verdict)
    row = _store_and_reload(tmp_path, verdict, "\ud800" + ESCAPES, feedback)
    assert row["feedback"] == feedback and "\\ud800" in row["text"]
    sanitize.echo(row["text"])
    sanitize.echo(feedback)
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out


def test_output_escapes_never_reach_a_terminal(capsys) -> None:
    sanitize.echo("ok " + ESCAPES + "\ud800")
    out = capsys.readouterr().out
    assert (
        out
        == "ok \\x1b[2J\\x1b[1;1H\\x1b]52;c;ZXZpbA==\\x07\\x0dPASSED \\u202egnp.exe\\x9b31m\\ud800\n"
    )


def test_output_escapes_never_reach_the_html_report(tmp_path: Path) -> None:
    from forge.report import render
    from tests.report.synth import make_run

    run = make_run(tmp_path / "run")
    db = sqlite3.connect(run / "forge.db")
    db.execute(
        "UPDATE candidates SET text = ?, artifact = ?, feedback = ? WHERE task_id = 'vowels'",
        (ESCAPES, ESCAPES, ESCAPES),
    )
    db.commit()
    db.close()
    html = render(run).read_text("utf-8")
    assert "PASSED" in html and "\\u202egnp" in html
    assert not any(ch in html for ch in "\x1b\x07\r\x9b\u202e")


def test_megabyte_return_values_are_stored_capped(domain, builtin, forge_sandbox, tmp_path):
    task = builtin["reverse_string"]
    verdict = domain.verify(
        task, "def reverse_string(s):\n    return 'x' * 900000\n", forge_sandbox
    )
    assert verdict.status == "failed"
    got = verdict.cases[0].got
    assert len(got) < sanitize.VALUE_CHARS + 100 and repr(got).startswith("'xxxx")
    row = _store_and_reload(tmp_path, verdict, "x", "")
    assert len(json.dumps(row["verdict"].to_dict())) < 20 * (sanitize.VALUE_CHARS + 200)


def test_a_forged_result_with_a_bomb_line_number_is_an_error(domain, builtin, forge_sandbox):
    """The runner shares the candidate's process: a forged entry is refused, not trusted."""
    source = (
        "import forge_code.runner as r\n"
        "r.run = lambda p: {'setup': None, 'results': [['error', 'E', 'm', 10 ** 5000, 'c']] * 3}\n"
        "def add(a, b):\n    return 0\n"
    )
    verdict = domain.verify(builtin["add"], source, forge_sandbox)
    assert verdict.status in ("error", "failed") and verdict.status != "passed"
    json.dumps(verdict.to_dict())


def test_getrlimit_works_inside_the_sandbox(domain, builtin, forge_sandbox) -> None:
    source = (
        "import resource\ndef add(a, b):\n"
        "    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n    return a + b\n"
    )
    assert domain.verify(builtin["add"], source, forge_sandbox).status == "passed"


@pytest.mark.parametrize(
    "text",
    [
        "FACTOR = 2\ndef add(a, b):\n    return a + b + FACTOR - 2\n",
        "import math\nOFFSET = math.floor(0.5)\n\ndef add(a, b):\n    return a + b + OFFSET\n",
        "Here you go:\nFACTOR = 2\ndef add(a, b):\n    return a + b + FACTOR - 2\nDone.",
    ],
)
def test_leading_statements_of_bare_code_are_kept(domain, builtin, forge_sandbox, text) -> None:
    verdict = domain.verify(builtin["add"], domain.extract(text), forge_sandbox)
    assert verdict.status == "passed", verdict.message


def test_side_effects_before_the_function_are_verified(domain, builtin, forge_sandbox) -> None:
    text = "raise SystemExit('boom')\ndef add(a, b):\n    return a + b\n"
    assert domain.extract(text) == text
    assert domain.verify(builtin["add"], domain.extract(text), forge_sandbox).status == "error"
