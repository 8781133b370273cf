"""The CLI's contract with users: exact one-line errors, exit codes, and verify's JSON."""

from __future__ import annotations

import json

import pytest

from forge.cli.main import main


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """Run ``forge argv`` in-process; return (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def test_unknown_domain_is_one_line_with_suggestion(capsys) -> None:
    code, out, err = run_cli(capsys, "tasks", "--domain", "cod")
    assert (code, err) == (
        2,
        "Error: Unknown domain 'cod'. Did you mean 'code'? Installed: code, math, sql\n",
    )


def test_unknown_task_set_lists_the_available_ones(capsys) -> None:
    code, _, err = run_cli(capsys, "tasks", "--domain", "code", "--tasks", "humaneal[0:3]")
    assert code == 2
    assert err == (
        "Error: Unknown task set 'humaneal'. Did you mean 'humaneval'? "
        "Named sets for 'code': humaneval (or pass a path to a task file)\n"
    )


def test_missing_task_file(capsys, tmp_path) -> None:
    code, _, err = run_cli(
        capsys, "tasks", "--domain", "code", "--tasks", str(tmp_path / "t.jsonl")
    )
    assert (
        code == 2
        and err.startswith("Error: Task file '")
        and err.endswith("does not exist. Check the path.\n")
    )


def test_bad_model_leaves_no_run_folder(capsys, tmp_path) -> None:
    code, _, err = run_cli(
        capsys,
        "run",
        "--domain",
        "code",
        "--model",
        str(tmp_path / "nope"),
        "--out",
        str(tmp_path / "runs"),
    )
    assert code == 2 and err.startswith(f"Error: Model '{tmp_path / 'nope'}' not found.")
    assert not list((tmp_path / "runs").glob("*"))


def test_resume_refuses_other_options(capsys, tmp_path) -> None:
    code, _, err = run_cli(capsys, "run", "--resume", str(tmp_path), "--seed", "3")
    assert (code, err) == (
        2,
        "Error: --resume continues a run with its saved config; drop --seed.\n",
    )


def test_resume_of_a_non_run_folder(capsys, tmp_path) -> None:
    code, _, err = run_cli(capsys, "run", "--resume", str(tmp_path))
    assert code == 2 and err == (
        f"Error: '{tmp_path}' is not a forge run folder (no config.yaml and forge.db). "
        "Pass a folder under runs/ that 'forge run' created.\n"
    )


def test_heldout_must_be_a_fraction(capsys) -> None:
    code, _, err = run_cli(capsys, "run", "--domain", "code", "--heldout", "1.5")
    assert (code, err) == (
        2,
        "Error: --heldout 1.5 is not a fraction in [0, 1). Use e.g. --heldout 0.3, or a task file.\n",
    )


def test_verify_json_and_exit_codes(capsys, tmp_path) -> None:
    good = tmp_path / "good.py"
    good.write_text(
        "```python\ndef fizzbuzz(n):\n    if n % 15 == 0:\n        return 'FizzBuzz'\n"
        "    if n % 3 == 0:\n        return 'Fizz'\n    if n % 5 == 0:\n        return 'Buzz'\n"
        "    return str(n)\n```\n"
    )
    code, out, _ = run_cli(
        capsys,
        "verify",
        "--domain",
        "code",
        "--task",
        "fizzbuzz",
        "--candidate",
        str(good),
        "--json",
    )
    result = json.loads(out)
    assert code == 0 and result["status"] == "passed" and result["score"] == 1.0
    assert {"task", "status", "passed", "total", "score", "feedback", "cases", "isolation"} <= set(
        result
    )
    bad = tmp_path / "bad.py"
    bad.write_text("def fizzbuzz(n):\n    return 'Fizz'\n")
    code, out, _ = run_cli(
        capsys,
        "verify",
        "--domain",
        "code",
        "--task",
        "fizzbuzz",
        "--candidate",
        str(bad),
        "--json",
    )
    result = json.loads(out)
    assert code == 1 and result["status"] == "failed"
    assert "input=[15] expected='FizzBuzz' got='Fizz'" in result["feedback"]


def test_verify_missing_candidate_file(capsys, tmp_path) -> None:
    code, _, err = run_cli(
        capsys,
        "verify",
        "--domain",
        "code",
        "--task",
        "fizzbuzz",
        "--candidate",
        str(tmp_path / "x.py"),
    )
    assert code == 2 and err.endswith("does not exist. Pass a file path, or - to read stdin.\n")


def test_report_on_a_folder_that_is_not_a_run(capsys, tmp_path) -> None:
    code, _, err = run_cli(capsys, "report", str(tmp_path))
    assert code == 2 and "is not a forge run folder" in err
