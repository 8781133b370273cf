"""The typed seams: built-ins register like plugins, config picks them, bad ones are refused."""

from __future__ import annotations

import types

import pytest

import forge
from forge.config import build_config
from forge.errors import ConfigError, ForgeError, UnknownNameError, UsageError
from forge.hookspecs import hookimpl
from forge.plugins import PluginManager, get_manager
from forge.protocols import Executor
from forge.session import select_engine


def test_plugin_facing_names_are_exported_from_forge() -> None:
    assert forge.hookimpl is forge.hookspecs.hookimpl
    for name in forge.__all__:
        assert getattr(forge, name) is not None, name
    assert {"Domain", "Task", "Verdict", "CaseResult", "Engine", "Trainer", "Executor"} <= set(
        forge.__all__
    )


def test_builtins_are_registered_by_entry_points_like_any_plugin() -> None:
    reg = get_manager().registry()
    assert reg.engines["mlx"].__name__ == "LanguageModel"
    assert reg.trainers["lora"].__name__ == "LoraTrainer"
    assert reg.executors["local"].__name__ == "LocalExecutor"
    assert reg.owners[("engine", "mlx")] == "mlx" and reg.owners[("executor", "local")] == "local"


def _engine(name: str, rank: int, missing: str | None = None) -> type:
    def cls_method(value):
        return classmethod(lambda cls, *a, **k: value)

    return type(
        name.capitalize(),
        (),
        {
            "name": name,
            "missing": cls_method(missing),
            "auto_rank": cls_method(rank),
            "load": cls_method(None),
            "generate": lambda self: None,
            "with_adapter": lambda self, a: self,
            "describe": lambda self: name,
        },
    )


def test_auto_picks_the_usable_engine_ranked_highest() -> None:
    fast, slow, absent = _engine("fast", 50), _engine("slow", 10), _engine("gone", 99, "pip it")
    engines = {"fast": fast, "slow": slow, "gone": absent}
    assert select_engine(engines, "auto") is fast
    assert select_engine(engines, "slow") is slow


def test_a_named_engine_that_cannot_run_says_what_to_install() -> None:
    engines = {"gone": _engine("gone", 99, "install it with pip install 'forge[gone]'.")}
    with pytest.raises(UsageError) as err:
        select_engine(engines, "gone")
    assert err.value.one_line() == (
        "The engine 'gone' (--engine / model.engine) cannot run here: "
        "install it with pip install 'forge[gone]'."
    )
    with pytest.raises(ForgeError, match="No generation engine can run here"):
        select_engine(engines, "auto")


def test_unknown_engine_suggests_the_close_name() -> None:
    with pytest.raises(UnknownNameError) as err:
        select_engine({"mlx": _engine("mlx", 1)}, "mxl")
    assert err.value.one_line() == "Unknown engine 'mxl'. Did you mean 'mlx'? Installed: mlx"


def test_an_engine_class_lacking_methods_is_refused_naming_the_plugin() -> None:
    bare = type("Bare", (), {"name": "bare"})
    manager = PluginManager()
    plugin = types.SimpleNamespace(register_engines=hookimpl(lambda register: register(bare)))
    manager.add_plugin(plugin, "half-done")
    assert "bare" not in manager.registry().engines
    assert manager.plugins["half-done"].error.startswith(
        "Plugin 'half-done' registered engine <class"
    )
    assert "does not follow forge.protocols.Engine: it lacks missing, auto_rank, load" in (
        manager.plugins["half-done"].error
    )


def test_a_second_engine_with_a_taken_name_names_both_plugins() -> None:
    manager = PluginManager()
    for name in ("one", "two"):
        cls = _engine("twin", 1)
        manager.add_plugin(
            types.SimpleNamespace(register_engines=hookimpl(lambda register, c=cls: register(c))),
            name,
        )
    assert manager.registry().engines["twin"] is not None
    assert manager.plugins["two"].error == (
        "The engine 'twin' is registered twice: by plugin 'one' and by plugin 'two'. "
        "Uninstall one of them or restrict loading with FORGE_LOAD_PLUGINS."
    )


def test_local_executor_is_an_executor_and_shares_its_lanes(tmp_path) -> None:
    from forge.executor import LocalExecutor
    from forge.sandbox import get_sandbox

    executor = LocalExecutor.create(build_config({"sandbox": {"lanes": 1}}))
    try:
        assert isinstance(executor, Executor)
        assert get_sandbox() is executor.sandbox, "task loaders use the run's lanes"
        assert executor.describe().startswith("local sandbox, 1 lanes (")
    finally:
        executor.close()
    assert get_sandbox() is not executor.sandbox


def test_a_known_key_set_to_null_is_an_error() -> None:
    with pytest.raises(ConfigError) as err:
        build_config({"train": {"iters": None}})
    assert err.value.one_line() == (
        "Config key 'train.iters' is null; it needs int. "
        "Give it a value, or delete the line to keep the default (40)."
    )
    assert build_config({"model": {"adapter": None}}).model.adapter is None  # optional keys


def test_unknown_trainer_and_executor_are_one_line_errors(tmp_path) -> None:
    from forge.session import Session

    for layer, message in (
        ({"train": {"method": "dpox"}}, "Unknown training method 'dpox'."),
        ({"executor": {"name": "rey"}}, "Unknown executor 'rey'."),
    ):
        with pytest.raises(UnknownNameError) as err:
            Session.open(build_config(layer), out=tmp_path)
        assert err.value.one_line().startswith(message)
    assert not list(tmp_path.iterdir()), "no run folder for a config that cannot run"
