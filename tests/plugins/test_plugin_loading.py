"""Broken plugins produce one clear line each and never break forge or the other plugins.

The fixture folder ``fixtures/site`` is a tiny installed distribution (a ``.dist-info``
with ``entry_points.txt``) put on PYTHONPATH: one good plugin (domain ``echo``) and one
plugin for each way a plugin can break.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SITE = Path(__file__).parent / "fixtures" / "site"
MAIN = "from forge.cli.main import main; main()"


def forge(*args: str, fixtures: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the forge CLI in a subprocess, with the fixture plugins installed when asked."""
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FORGE_LOAD_PLUGINS")}
    if fixtures:
        environ["PYTHONPATH"] = str(SITE)
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-c", MAIN, *args], capture_output=True, text=True, env=environ, timeout=60
    )


def warnings(proc: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """Return the warning lines of ``forge domains`` by plugin name."""
    out = {}
    for line in proc.stderr.splitlines():
        if line.startswith("Warning: plugin 'fixture-"):
            out[line.split("'")[1]] = line
    return out


def test_each_broken_plugin_gets_one_clear_line():
    proc = forge("domains")
    assert proc.returncode == 0, proc.stderr
    lines = warnings(proc)
    assert lines["fixture-import"] == (
        "Warning: plugin 'fixture-import' was skipped: failed to import fixture_import: "
        "ModuleNotFoundError: No module named 'forge_fixture_dependency_that_is_not_installed'"
    )
    assert lines["fixture-twin"] == (
        "Warning: plugin 'fixture-twin' was skipped: Domain 'echo' is registered twice: "
        "by plugin 'fixture-good' and by plugin 'fixture-twin'. "
        "Uninstall one of them or restrict loading with FORGE_LOAD_PLUGINS."
    )
    assert lines["fixture-misspelled"] == (
        "Warning: plugin 'fixture-misspelled' was skipped: invalid hook implementation: "
        "unknown hook 'register_domain'; did you mean 'register_domains'?"
    )
    assert lines["fixture-wrongarg"] == (
        "Warning: plugin 'fixture-wrongarg' was skipped: invalid hook implementation: "
        "register_domains(reg) asks for {'reg'}, which the hook does not offer; "
        "it offers: register"
    )
    abstract = lines["fixture-abstract"]
    assert abstract.startswith(
        "Warning: plugin 'fixture-abstract' was skipped: registration failed: TypeError: "
        "Can't instantiate abstract class HalfDomain"
    )
    for method in ("build_prompt", "extract", "feedback", "verify"):
        assert method in abstract
    assert lines["fixture-command"] == (
        "Warning: plugin 'fixture-command' was skipped: "
        "register_commands failed: RuntimeError: this plugin's command is broken"
    )
    assert lines["fixture-exit"] == (
        "Warning: plugin 'fixture-exit' was skipped: failed to import fixture_exit: "
        "SystemExit: fixture_exit refuses to load"
    )
    assert len(lines) == 7
    assert "Traceback" not in proc.stderr


def test_the_other_domains_still_list():
    without = {r["name"] for r in json.loads(forge("domains", "--json", fixtures=False).stdout)}
    proc = forge("domains", "--json")
    assert proc.returncode == 0
    assert {r["name"] for r in json.loads(proc.stdout)} == without | {"echo"}
    table = forge("domains").stdout
    assert "echo  1        fixture-good  Repeat the word (test fixture)." in table


def test_forge_plugins_shows_every_failure():
    proc = forge("plugins")
    assert proc.returncode == 0, proc.stderr
    plugins = {p["name"]: p for p in json.loads(proc.stdout)}
    assert plugins["fixture-good"]["error"] is None
    assert plugins["fixture-good"]["domains"] == ["echo"]
    assert plugins["fixture-good"]["distribution"] == "forge-plugin-fixtures"
    broken = (
        "fixture-import",
        "fixture-exit",
        "fixture-twin",
        "fixture-misspelled",
        "fixture-abstract",
    )
    for name in broken:
        assert plugins[name]["error"], name
        assert plugins[name]["domains"] == []
    assert plugins["fixture-import"]["hooks"] == []
    assert plugins["fixture-command"]["error"] == (
        "register_commands failed: RuntimeError: this plugin's command is broken"
    )


def test_a_broken_command_hook_does_not_break_the_cli():
    proc = forge("--help")
    assert proc.returncode == 0
    assert "domains" in proc.stdout


def test_the_good_plugin_works_next_to_the_broken_ones(tmp_path):
    tasks = forge("tasks", "--domain", "echo")
    assert tasks.returncode == 0 and tasks.stdout.startswith("hello")


def test_load_only_named_plugins():
    proc = forge("domains", "--json", FORGE_LOAD_PLUGINS="fixture-good")
    assert [r["name"] for r in json.loads(proc.stdout)] == ["echo"]
    assert proc.stderr == ""
    none = forge("domains", FORGE_LOAD_PLUGINS="")
    assert none.stdout.startswith("No domains installed.")


def test_trace_hook_calls():
    """FORGE_TRACE_HOOKS=1 prints one line per hook call, naming the plugin."""
    proc = forge("domains", FORGE_LOAD_PLUGINS="fixture-good", FORGE_TRACE_HOOKS="1")
    trace = [ln for ln in proc.stderr.splitlines() if ln.startswith("forge-trace:")]
    assert trace == ["forge-trace: register_domains(register) -> plugin 'fixture-good'"]
    assert "echo" in proc.stdout


def test_doctor_lists_every_failure():
    proc = forge("doctor", "--no-bench")
    assert proc.returncode == 0, proc.stderr
    errors = [ln for ln in proc.stdout.splitlines() if ln.startswith("plugin error")]
    assert len(errors) == 7
    assert any(
        "fixture-import: failed to import fixture_import: ModuleNotFoundError" in ln
        for ln in errors
    )
    plugins_line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("plugins "))
    assert "fixture-good (echo)" in plugins_line
