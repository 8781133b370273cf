"""The plugin template: ``forge new-plugin NAME`` writes a package that installs and passes its tests."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from forge.cli.plugin_new import new_plugin_cmd, template_values


def test_render_installs_registers_and_passes_its_own_tests(tmp_path, fresh_venv):
    result = CliRunner().invoke(new_plugin_cmd, ["word-count", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    plugin = tmp_path / "forge-word-count"
    assert f"Created {plugin}/ (plugin 'word-count', package forge_word_count)." in result.output
    assert (plugin / "forge_word_count" / "domain.py").read_text().count("class WordCountDomain")
    assert "{{" not in "".join(p.read_text() for p in plugin.rglob("*") if p.is_file())

    venv = fresh_venv()
    venv.install(plugin, editable=True)
    domains = venv.run("forge", "domains", "--json")
    row = {r["name"]: r for r in json.loads(domains.stdout)}["word-count"]
    assert row["plugin"] == "word-count" and row["version"] == "1"
    verify = venv.run(
        "forge", "verify", "-d", "word-count", "--task", "sum-squares", "-c", "-", input="55"
    )
    assert verify.returncode == 1 and "expected 385, got 55" in verify.stdout
    tests = venv.run("pytest", "-q", "-p", "no:cacheprovider", cwd=plugin)
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert "11 passed" in tests.stdout


def test_rendered_code_is_lint_clean(tmp_path):
    CliRunner().invoke(new_plugin_cmd, ["lint-me", "--dir", str(tmp_path)])
    plugin = tmp_path / "forge-lint-me"
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=plugin,
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout
    fmt = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."],
        cwd=plugin,
        capture_output=True,
        text=True,
    )
    assert fmt.returncode == 0, fmt.stdout


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("haiku", ("haiku", "forge-haiku", "forge_haiku", "HaikuDomain")),
        (
            "forge-word-count",
            ("word-count", "forge-word-count", "forge_word_count", "WordCountDomain"),
        ),
    ],
)
def test_names(name, values):
    v = template_values(name)
    assert (v["name"], v["dist"], v["package"], v["klass"]) == values


@pytest.mark.parametrize("name", ["Haiku", "2fast", "a b", "x--y", ""])
def test_bad_names_are_one_line_errors(name, tmp_path):
    result = CliRunner().invoke(new_plugin_cmd, [name, "--dir", str(tmp_path)])
    assert result.exit_code != 0
    assert str(result.exception) == f"Plugin name '{name}' is not usable."
    assert not any(tmp_path.iterdir())


def test_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "forge-haiku").mkdir()
    (tmp_path / "forge-haiku" / "keep.txt").write_text("mine")
    result = CliRunner().invoke(new_plugin_cmd, ["haiku", "--dir", str(tmp_path)])
    assert result.exception.one_line() == (
        f"Folder '{tmp_path / 'forge-haiku'}' already exists and is not empty. Pick another --dir."
    )
    assert (tmp_path / "forge-haiku" / "keep.txt").read_text() == "mine"
