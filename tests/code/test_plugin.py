"""The code domain is installed through the 'forge' entry point like any third-party plugin."""

from __future__ import annotations

from forge.plugins import PluginManager
from forge.tasks import load_tasks
from forge_code import plugin
from forge_code.domain import CodeDomain


def test_entry_point_registers_domain_and_humaneval_loader(humaneval) -> None:
    manager = PluginManager()
    manager.add_plugin(plugin, "code")
    registry = manager.registry()
    assert isinstance(registry.domains["code"], CodeDomain)
    assert "code:humaneval" in registry.loaders
    domain = manager.domain("code")
    assert [t.id for t in load_tasks(domain, "humaneval[0:3]", manager)] == [
        "HumanEval/0",
        "HumanEval/1",
        "HumanEval/2",
    ]
    assert len(load_tasks(domain, None, manager)) == 20


def test_domain_identity() -> None:
    domain = CodeDomain()
    assert (domain.name, domain.version) == ("code", "1")
    assert domain.description
