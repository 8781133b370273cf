"""Task sources of the gym domain: one generator (``chain_sum?size=50``) or a YAML mixture.

``load_spec`` serves the named sets registered for every generator (``--tasks
'gym:chain_sum?...'``); ``load_mixture`` serves a YAML file (``--tasks mix.yaml``) and the
``mix`` set (``--tasks 'gym:mix?file=mix.yaml&split=heldout&size=50'``), whose options
override the file's top-level keys.
"""

from __future__ import annotations

from typing import Any

from forge.errors import TaskFormatError
from forge.types import Task

from forge_gym import catalog, generate, keys, mixture
from forge_gym.spec import Source, make_source, parse_query, split_spec


def load_spec(spec: str) -> list[Task]:
    """Return the tasks of a one-generator spec such as ``chain_sum[0:5]?size=50&seed=100``."""
    from forge.tasks import select

    name, selection, query = split_spec(spec)
    where = f"gym:{spec}"
    raw = parse_query(query, where)
    source = _source(name, raw, where)
    return select(generate.generate(source), selection, spec)


def load_mixture(path: str, overrides: dict[str, Any] | None = None) -> list[Task]:
    """Return the tasks of the YAML mixture at ``path``, top-level keys replaced by ``overrides``."""
    data = {**mixture.read(path), **(overrides or {})}
    entries = mixture.sources(data, path)
    found = [_source(name, raw, f"{path}: {name}") for name, raw in entries]
    mixture.check_disjoint(found, keys.key_range, path)
    return mixture.interleave([generate.generate(s) for s in found])


def load_mix_spec(spec: str) -> list[Task]:
    """Return the tasks of ``mix?file=PATH&key=value...`` (a mixture with overrides)."""
    from forge.tasks import select

    _, selection, query = split_spec(spec)
    raw = parse_query(query, f"gym:{spec}")
    path = raw.pop("file", None)
    if not path:
        raise TaskFormatError(
            f"gym:{spec}: the mix set needs file=PATH.",
            "e.g. 'gym:mix?file=mix.yaml&split=heldout'",
        )
    overrides = {k: _yaml_value(v) for k, v in raw.items()}
    return select(load_mixture(path, overrides), selection, spec)


def _source(name: str, raw: dict[str, Any], where: str) -> Source:
    catalog.check_known(name)
    source = make_source(name, raw, where)
    catalog.check_sound(name, source.allow_unsound)
    return source


def _yaml_value(text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text
