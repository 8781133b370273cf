"""The math plugin registers through the entry point like a third-party plugin would."""

from __future__ import annotations

from forge.plugins import get_manager
from forge.tasks import load_tasks
from forge_math import plugin
from forge_math.domain import MathDomain


def test_entry_point_registers_the_domain_and_the_gsm8k_loader() -> None:
    manager = get_manager()
    registry = manager.registry()
    assert isinstance(registry.domains["math"], MathDomain)
    assert registry.domain_owner["math"] == "math"
    assert registry.loaders["math:gsm8k"] is plugin.gsm8k_tasks
    assert manager.plugins["math"].error == ""
    assert manager.plugins["math"].hooks == ["register_domains", "register_task_loaders"]


def test_named_set_resolves_with_a_slice() -> None:
    domain = get_manager().domain("math")
    tasks = load_tasks(domain, "gsm8k[0:20]")
    assert len(tasks) == 20 and all(t.domain == "math" and t.source == "gsm8k" for t in tasks)
