"""The plugin manager: registration, validation, duplicates, broken plugins, FORGE_LOAD_PLUGINS."""

from __future__ import annotations

import types

import pytest

from forge.domain import Domain
from forge.errors import UnknownNameError
from forge.hookspecs import hookimpl
from forge.plugins import PluginManager, get_manager, reset_manager
from forge.types import Task, Verdict


class EchoDomain(Domain):
    """A minimal complete domain used only by these tests."""

    name = "echo"
    version = "1"
    description = "answers must equal the prompt"

    def load_tasks(self, source):
        return [Task(id="a", domain="echo", prompt="a")]

    def build_prompt(self, task):
        return [{"role": "user", "content": task.prompt}]

    def extract(self, text):
        return text.strip() or None

    def verify(self, task, artifact, sandbox):
        return Verdict(status="passed" if artifact == task.prompt else "failed")

    def feedback(self, task, verdict, style="specific"):
        return "say the prompt back"


def plugin(**hooks) -> types.SimpleNamespace:
    """Return a plugin object with the given hook implementations."""
    ns = types.SimpleNamespace()
    for name, fn in hooks.items():
        setattr(ns, name, hookimpl(fn))
    return ns


def test_registers_domain_and_loader() -> None:
    pm = PluginManager()
    pm.add_plugin(
        plugin(
            register_domains=lambda register: register(EchoDomain()),
            register_task_loaders=lambda register: register("echo:all", lambda spec: []),
        ),
        "echo-plugin",
    )
    reg = pm.registry()
    assert reg.domains["echo"].name == "echo" and reg.domain_owner["echo"] == "echo-plugin"
    assert "echo:all" in reg.loaders
    assert pm.plugins["echo-plugin"].hooks == ["register_domains", "register_task_loaders"]


def test_duplicate_domain_names_both_plugins_and_keeps_first() -> None:
    pm = PluginManager()
    pm.add_plugin(plugin(register_domains=lambda register: register(EchoDomain())), "first")
    pm.add_plugin(plugin(register_domains=lambda register: register(EchoDomain())), "second")
    assert pm.registry().domain_owner["echo"] == "first"
    assert pm.plugins["second"].error == (
        "Domain 'echo' is registered twice: by plugin 'first' and by plugin 'second'. "
        "Uninstall one of them or restrict loading with FORGE_LOAD_PLUGINS."
    )


def test_abstract_domain_is_a_recorded_failure_not_a_crash() -> None:
    class Half(Domain):
        name = "half"

    pm = PluginManager()
    pm.add_plugin(plugin(register_domains=lambda register: register(Half())), "broken")
    pm.add_plugin(plugin(register_domains=lambda register: register(EchoDomain())), "fine")
    assert list(pm.registry().domains) == ["echo"]
    assert pm.plugins["broken"].error.startswith(
        "registration failed: TypeError: Can't instantiate abstract class Half"
    )


def test_non_domain_registration_names_the_plugin() -> None:
    pm = PluginManager()
    pm.add_plugin(plugin(register_domains=lambda register: register("code")), "stringy")
    pm.registry()
    assert (
        pm.plugins["stringy"].error
        == "Plugin 'stringy' registered 'code', which is not a forge.domain.Domain instance."
    )


def test_misspelled_hook_is_rejected_by_check_pending() -> None:
    pm = PluginManager()
    pm.add_plugin(plugin(register_domain=lambda register: None), "typo")
    assert "register_domain" in pm.plugins["typo"].error
    assert pm.plugins["typo"].error.startswith("invalid hook implementation:")
    assert pm.registry().domains == {}


def test_bad_verifier_is_rejected() -> None:
    pm = PluginManager()
    pm.add_plugin(plugin(register_verifiers=lambda register: register("code", object())), "v")
    pm.registry()
    assert (
        "a verifier needs a 'name' and a 'check(task, artifact, verdict, sandbox)' method"
        in pm.plugins["v"].error
    )


def test_unknown_domain_suggests() -> None:
    pm = PluginManager()
    pm.add_plugin(plugin(register_domains=lambda register: register(EchoDomain())), "echo-plugin")
    with pytest.raises(UnknownNameError) as err:
        pm.domain("ecoh")
    assert err.value.one_line() == "Unknown domain 'ecoh'. Did you mean 'echo'? Installed: echo"


def test_builtin_domains_come_from_entry_points(monkeypatch) -> None:
    reset_manager()
    try:
        names = set(get_manager().registry().domains)
        assert {"code", "sql", "math"} <= names
        owners = get_manager().registry().domain_owner
        assert owners["code"] == "code" and get_manager().plugins["code"].dist == "forge"
    finally:
        reset_manager()


def test_forge_load_plugins_restricts(monkeypatch) -> None:
    monkeypatch.setenv("FORGE_LOAD_PLUGINS", "math")
    reset_manager()
    try:
        assert set(get_manager().registry().domains) == {"math"}
    finally:
        monkeypatch.delenv("FORGE_LOAD_PLUGINS")
        reset_manager()
