"""Plugin manager: loads entry-point plugins once, validates them, and keeps the registries.

Plugins are modules registered under the ``forge`` entry-point group. ``FORGE_LOAD_PLUGINS``
(comma-separated entry-point names; empty string = none) restricts which are loaded.
A plugin that fails to import or registers something broken is recorded as a failure
(shown by ``forge plugins``) and skipped; the other plugins keep working.
``FORGE_TRACE_HOOKS=1`` prints one line per hook call to stderr (see docs/plugins/debugging.md).
"""

from __future__ import annotations

import difflib
import inspect
import os
import re
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType
from typing import Any

import pluggy

from forge import hookspecs
from forge.domain import Domain
from forge.errors import PluginError, UnknownNameError
from forge.types import Task

ENTRY_POINT_GROUP = "forge"
TRACE_ENV = "FORGE_TRACE_HOOKS"


@dataclass
class PluginInfo:
    """What forge knows about one loaded (or failed) plugin."""

    name: str
    module: str
    dist: str = ""
    version: str = ""
    hooks: list[str] = field(default_factory=list)
    error: str = ""


@dataclass
class Registry:
    """Everything plugins registered, keyed by name, with the plugin that registered each."""

    domains: dict[str, Domain] = field(default_factory=dict)
    domain_owner: dict[str, str] = field(default_factory=dict)
    loaders: dict[str, Callable[[str], list[Task]]] = field(default_factory=dict)
    loader_owner: dict[str, str] = field(default_factory=dict)
    verifiers: dict[str, list[Any]] = field(default_factory=dict)
    engines: dict[str, Any] = field(default_factory=dict)
    trainers: dict[str, Any] = field(default_factory=dict)
    executors: dict[str, Any] = field(default_factory=dict)
    owners: dict[tuple[str, str], str] = field(default_factory=dict)
    """(kind, name) -> the plugin that registered an engine, trainer or executor."""

    def copy(self) -> Registry:
        """Return a copy whose dicts can be changed without touching this one."""
        return Registry(
            domains=dict(self.domains),
            domain_owner=dict(self.domain_owner),
            loaders=dict(self.loaders),
            loader_owner=dict(self.loader_owner),
            verifiers={k: list(v) for k, v in self.verifiers.items()},
            engines=dict(self.engines),
            trainers=dict(self.trainers),
            executors=dict(self.executors),
            owners=dict(self.owners),
        )


class PluginManager:
    """Loads plugins and collects their registrations. Use :func:`get_manager` for the shared one."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("forge")
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self._registry: Registry | None = None
        self._lock = threading.RLock()
        if os.environ.get(TRACE_ENV):
            self.pm.add_hookcall_monitoring(self._trace_call, lambda *args: None)

    def _trace_call(self, hook_name: str, impls: Any, kwargs: Any) -> None:
        if impls:
            names = ", ".join(repr(self.pm.get_name(i.plugin)) for i in impls)
            noun = "plugin" if len(impls) == 1 else "plugins"
            trace(f"{hook_name}({', '.join(kwargs)}) -> {noun} {names}")

    # ----- loading -------------------------------------------------------------------
    def load_entry_points(self) -> None:
        """Import every allowed entry point of group ``forge`` and register it; errors are recorded."""
        allowed = _allowed_names()
        for ep in _entry_points():
            if allowed is not None and ep.name not in allowed:
                continue
            if ep.name in self.plugins:
                continue
            dist, version = _dist_info(ep)
            info = PluginInfo(name=ep.name, module=ep.value, dist=dist, version=version)
            self.plugins[ep.name] = info
            try:
                module = ep.load()
            except (Exception, SystemExit) as exc:  # noqa: BLE001 - a broken plugin must not break forge
                info.error = f"failed to import {ep.value}: {type(exc).__name__}: {exc}"
                continue
            self.add_plugin(module, ep.name, info)

    def add_plugin(
        self, plugin: ModuleType | object, name: str, info: PluginInfo | None = None
    ) -> None:
        """Register a plugin object under ``name`` (used for entry points and by tests)."""
        info = info or self.plugins.setdefault(name, PluginInfo(name=name, module=repr(plugin)))
        self.plugins[name] = info
        try:
            hash(plugin)
        except TypeError:  # pluggy calls one plugin at a time through sets of plugins
            plugin = _Hashable(plugin)
        try:
            self.pm.register(plugin, name=name)
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            if self.pm.is_registered(plugin):
                self.pm.unregister(plugin)
            info.error = _validation_message(exc)
            return
        except ValueError as exc:
            info.error = str(exc)
            return
        info.hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or ())
        self._registry = None

    def remove_plugin(self, name: str) -> None:
        """Unregister the plugin registered as ``name`` (tests use this in ``finally``)."""
        plugin = self.pm.get_plugin(name)
        if plugin is not None:
            self.pm.unregister(plugin)
        self.plugins.pop(name, None)
        self._registry = None

    # ----- registries --------------------------------------------------------------
    @property
    def hook(self) -> Any:
        """The pluggy hook relay, for firing event hooks (``manager.hook.run_started(run=...)``)."""
        return self.pm.hook

    def registry(self) -> Registry:
        """Return the registrations of all plugins, collecting them on first use."""
        with self._lock:
            if self._registry is None:
                self._registry = self._collect()
            return self._registry

    def _collect(self) -> Registry:
        reg = Registry()
        for plugin_name, plugin in self.pm.list_name_plugin():
            staged = reg.copy()
            try:
                for hook, register in (
                    ("register_domains", _domain_register(staged, plugin_name)),
                    ("register_task_loaders", _loader_register(staged, plugin_name)),
                    ("register_verifiers", _verifier_register(staged, plugin_name)),
                    ("register_engines", _class_register(staged, plugin_name, "engine")),
                    ("register_trainers", _class_register(staged, plugin_name, "trainer")),
                    ("register_executors", _class_register(staged, plugin_name, "executor")),
                ):
                    call_one(self.pm, plugin, hook, register=register)
            except (Exception, SystemExit) as exc:  # noqa: BLE001 - one broken plugin must not break the others
                info = self.plugins.setdefault(
                    plugin_name, PluginInfo(name=plugin_name, module=repr(plugin))
                )
                info.error = (
                    exc.one_line()
                    if isinstance(exc, PluginError)
                    else (f"registration failed: {type(exc).__name__}: {exc}")
                )
                continue
            reg = staged
        return reg

    def failures(self) -> list[PluginInfo]:
        """Return the plugins that failed to load or register (after collecting registries)."""
        self.registry()
        return [p for p in self.plugins.values() if p.error]

    def domain(self, name: str) -> Domain:
        """Return the registered domain ``name`` or raise :class:`UnknownNameError`."""
        domains = self.registry().domains
        if name not in domains:
            raise self.unknown("domain", name, domains)
        return domains[name]

    def unknown(self, kind: str, name: str, available: Iterable[str]) -> UnknownNameError:
        """Return the error for an unknown ``kind`` called ``name``, naming every plugin that
        failed to load (the one called ``name`` first), and the plugin called ``name`` if
        FORGE_LOAD_PLUGINS leaves it out: either may be why ``name`` is missing."""
        failed = sorted(self.failures(), key=lambda p: (p.name != name, p.name))
        notes = [f"Plugin '{p.name}' was skipped: {p.error}" for p in failed]
        allowed = _allowed_names()
        if allowed is not None and name not in allowed:
            if any(ep.name == name for ep in _entry_points()):
                notes.append(f"Plugin '{name}' is installed but FORGE_LOAD_PLUGINS leaves it out.")
        return UnknownNameError(kind, name, available, extra_hint=" ".join(notes))


class _Hashable:
    """A hashable stand-in for a plugin object that cannot be hashed (it defines ``__eq__``
    without ``__hash__``, like ``types.SimpleNamespace``): pluggy calls one plugin at a time
    through sets of plugins. It holds the object's hook implementations as its own attributes."""

    def __init__(self, obj: object) -> None:
        self._obj = obj
        for name in dir(obj):
            if not name.startswith("_") and callable(value := getattr(obj, name, None)):
                setattr(self, name, value)

    def __repr__(self) -> str:
        return repr(self._obj)


def call_one(pm: pluggy.PluginManager, plugin: Any, hook_name: str, **kwargs: Any) -> list[Any]:
    """Call hook ``hook_name`` on ``plugin`` only, through pluggy, so an error can be pinned on
    that plugin while tracing and ``wrapper=True`` implementations still apply.

    Each implementation gets only the arguments it names (pluggy's rule); returns the
    non-None results in call order.
    """
    others = [p for p in pm.get_plugins() if p is not plugin]
    return list(pm.subset_hook_caller(hook_name, remove_plugins=others)(**kwargs))


def fire(
    pm: pluggy.PluginManager,
    hook_name: str,
    on_error: Callable[[str, Exception], None],
    **kwargs: Any,
) -> None:
    """Call event hook ``hook_name`` on every plugin that implements it, one plugin at a time.

    An observer's bug must never stop a run or lose its results, so a plugin that raises
    is reported through ``on_error(plugin_name, exc)`` and the others still run.
    """
    owners = {impl.plugin_name: impl.plugin for impl in getattr(pm.hook, hook_name).get_hookimpls()}
    for name, plugin in owners.items():
        try:
            call_one(pm, plugin, hook_name, **kwargs)
        except Exception as exc:  # noqa: BLE001 - observers cannot break the loop
            on_error(name, exc)


def trace(message: str) -> None:
    """Write one ``forge-trace:`` line to stderr when ``FORGE_TRACE_HOOKS`` is set."""
    if os.environ.get(TRACE_ENV):
        print(f"forge-trace: {message}", file=sys.stderr, flush=True)


def _validation_message(exc: Exception) -> str:
    """Return pluggy's validation error as one line (a misspelled hook gets a suggestion)."""
    text = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    unknown = re.search(r"unknown hook '(\w+)'", text)
    if unknown:
        specs = [n for n in dir(hookspecs) if hasattr(getattr(hookspecs, n), "forge_spec")]
        close = difflib.get_close_matches(unknown.group(1), specs, n=1)
        text = f"unknown hook '{unknown.group(1)}'" + (
            f"; did you mean '{close[0]}'?" if close else ""
        )
    extra = re.search(r"definition: (\w+)(\(.*?\)); Argument\(s\) (\{.*?\}) are declared", text)
    if extra and hasattr(hookspecs, extra.group(1)):
        offered = ", ".join(inspect.signature(getattr(hookspecs, extra.group(1))).parameters)
        text = (
            f"{extra.group(1)}{extra.group(2)} asks for {extra.group(3)}, which the hook "
            f"does not offer; it offers: {offered}"
        )
    return f"invalid hook implementation: {text}"


def _domain_register(reg: Registry, owner: str) -> Callable[[Any], None]:
    def register(domain: Any) -> None:
        if isinstance(domain, type) and issubclass(domain, Domain):
            domain = domain()
        if not isinstance(domain, Domain):
            raise PluginError(
                f"Plugin '{owner}' registered {domain!r}, which is not a forge.domain.Domain instance."
            )
        name = getattr(domain, "name", "")
        if not name or not isinstance(name, str):
            raise PluginError(f"Plugin '{owner}' registered a domain without a name.")
        if name in reg.domains:
            raise PluginError(
                f"Domain '{name}' is registered twice: by plugin '{reg.domain_owner[name]}' and by plugin '{owner}'.",
                "Uninstall one of them or restrict loading with FORGE_LOAD_PLUGINS.",
            )
        reg.domains[name] = domain
        reg.domain_owner[name] = owner

    return register


def _loader_register(
    reg: Registry, owner: str
) -> Callable[[str, Callable[[str], list[Task]]], None]:
    def register(name: str, loader: Callable[[str], list[Task]]) -> None:
        if ":" not in name:
            raise PluginError(
                f"Plugin '{owner}' registered task loader '{name}'; use 'domain:name'."
            )
        if name in reg.loaders:
            raise PluginError(
                f"Task loader '{name}' is registered twice: by plugin '{reg.loader_owner[name]}' and by plugin '{owner}'."
            )
        reg.loaders[name] = loader
        reg.loader_owner[name] = owner

    return register


def _verifier_register(reg: Registry, owner: str) -> Callable[[str, Any], None]:
    def register(domain_name: str, verifier: Any) -> None:
        name = getattr(verifier, "name", "")
        if not callable(getattr(verifier, "check", None)) or not name or not isinstance(name, str):
            raise PluginError(
                f"Plugin '{owner}' registered verifier {verifier!r:.80} for '{domain_name}'; "
                "a verifier needs a 'name' and a 'check(task, artifact, verdict, sandbox)' method "
                "(see forge.protocols.Verifier)."
            )
        reg.verifiers.setdefault(domain_name, []).append(verifier)

    return register


_CLASS_NEEDS = {
    "engine": ("missing", "auto_rank", "load", "generate", "with_adapter", "describe"),
    "trainer": ("missing", "create", "train"),
    "executor": ("missing", "create", "submit", "describe", "close"),
}


def _class_register(reg: Registry, owner: str, kind: str) -> Callable[[Any], None]:
    """Return the ``register`` callable of ``register_<kind>s``: it takes a class."""
    table = {"engine": reg.engines, "trainer": reg.trainers, "executor": reg.executors}[kind]

    def register(cls: Any) -> None:
        name = getattr(cls, "name", "")
        lacking = [m for m in _CLASS_NEEDS[kind] if not callable(getattr(cls, m, None))]
        if not isinstance(cls, type) or not name or not isinstance(name, str) or lacking:
            why = (
                f"it lacks {', '.join(lacking)}" if lacking else "it must be a class with a 'name'"
            )
            raise PluginError(
                f"Plugin '{owner}' registered {kind} {cls!r:.80}, which does not follow "
                f"forge.protocols.{kind.capitalize()}: {why}."
            )
        if name in table:
            raise PluginError(
                f"The {kind} '{name}' is registered twice: by plugin '{reg.owners[(kind, name)]}' "
                f"and by plugin '{owner}'.",
                "Uninstall one of them or restrict loading with FORGE_LOAD_PLUGINS.",
            )
        table[name] = cls
        reg.owners[(kind, name)] = owner

    return register


def _entry_points() -> Iterable[metadata.EntryPoint]:
    eps = metadata.entry_points()
    if hasattr(eps, "select"):
        return sorted(eps.select(group=ENTRY_POINT_GROUP), key=lambda e: e.name)
    return sorted(eps.get(ENTRY_POINT_GROUP, []), key=lambda e: e.name)  # pragma: no cover


def _dist_info(ep: metadata.EntryPoint) -> tuple[str, str]:
    """Return the (distribution name, version) that provides ``ep`` ('' when unknown)."""
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "", ""
    return dist.metadata["Name"] or "", dist.version or ""


def _allowed_names() -> set[str] | None:
    raw = os.environ.get("FORGE_LOAD_PLUGINS")
    if raw is None:
        return None
    return {n.strip() for n in raw.split(",") if n.strip()}


_manager: PluginManager | None = None
_manager_lock = threading.Lock()


def get_manager() -> PluginManager:
    """Return the process-wide plugin manager, loading entry points on first call."""
    global _manager
    with _manager_lock:
        if _manager is None:
            _manager = PluginManager()
            _manager.load_entry_points()
        return _manager


def reset_manager() -> None:
    """Forget the process-wide manager so the next :func:`get_manager` reloads (for tests)."""
    global _manager
    with _manager_lock:
        _manager = None


def get_domain(name: str) -> Domain:
    """Return the installed domain called ``name`` (raises UnknownNameError with a suggestion)."""
    return get_manager().domain(name)


def domain_label(name: str) -> str:
    """Return ``domain 'x' (plugin 'y')``, the way messages name a domain and its plugin."""
    owner = owner_of_domain(name)
    return f"domain '{name}'" + (f" (plugin '{owner}')" if owner else "")


def owner_of_domain(name: str) -> str:
    """Return the name of the plugin that registered domain ``name`` ('' when unknown)."""
    manager = _manager
    return manager.registry().domain_owner.get(name, "") if manager is not None else ""
