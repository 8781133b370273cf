"""The sandbox runner: score answers with reasoning-gym's own scorers, in the sandboxed child.

forge's lane imports this module once, before it forks a child per job, so everything a
scorer needs is loaded here: reasoning-gym itself, and one *template* dataset per generator,
built with its default config (some constructors read word lists and puzzle files from
reasoning-gym's data folder; the child then reads no data file). For a job the child points
its template at the task's config and calls ``score_answer``; it reports the score or the
exception's type and never decides pass or fail.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
from typing import Any

from forge_gym import generate, rg

# Templates whose scorer depends on state built from the config get the widest config.
TEMPLATE_OPTIONS = {"word_ladder": {"min_word_length": 3, "max_word_length": 5}}
_SCALARS = (type(None), bool, int, float, str, bytes)


def _build_templates() -> tuple[dict[str, Any], dict[str, str]]:
    """Return (templates by generator, why each failed generator has none)."""
    templates, broken = {}, {}
    with contextlib.redirect_stdout(io.StringIO()):
        for name, (dataset_cls, config_cls) in sorted(rg.datasets().items()):
            try:
                config = config_cls(**TEMPLATE_OPTIONS.get(name, {}), seed=0, size=1)
                templates[name] = dataset_cls(config=config)
            except Exception as exc:  # noqa: BLE001 - reported per job
                broken[name] = f"{type(exc).__name__}: {exc}"
    return templates, broken


TEMPLATES, BROKEN = _build_templates()


def score(payload: dict[str, Any]) -> dict[str, Any]:
    """Score ``payload["answers"]`` for one item; returns ``{"results": [...]}``.

    ``payload``: ``generator``, ``difficulty`` and ``options`` (as in the task), ``entry``
    (``question``, ``answer``, ``metadata``) and ``answers`` (strings). Each result is
    ``{"score": float}`` or ``{"error": "ExcType"}`` when the scorer raised.
    """
    name = payload["generator"]
    if name not in TEMPLATES:
        return {"setup_error": BROKEN.get(name, f"unknown generator {name!r}")}
    args = generate.config_args(name, payload.get("difficulty"), payload.get("options") or {})
    dataset = _configured(TEMPLATES[name], args)
    entry = dict(payload["entry"])
    return {"results": [_score_one(dataset, answer, entry) for answer in payload["answers"]]}


def _configured(dataset: Any, args: dict[str, Any]) -> Any:
    """Point ``dataset`` (this child's copy of the template) at the task's config."""
    old = dataset.config
    new = type(old)(**args, seed=old.seed, size=old.size)
    for attr, value in list(vars(dataset).items()):  # e.g. arc_agi's board_format_opts
        if type(value) in _SCALARS:
            continue
        for f in dataclasses.fields(old):
            if getattr(old, f.name) is value:
                setattr(dataset, attr, getattr(new, f.name))
    dataset.config = new
    return dataset


def _score_one(dataset: Any, answer: str, entry: dict[str, Any]) -> dict[str, Any]:
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            value = dataset.score_answer(answer, entry)
    except Exception as exc:  # noqa: BLE001 - a scorer that raises gives a clean verdict
        return {"error": type(exc).__name__}
    try:
        if isinstance(value, (str, bytes)):
            raise TypeError
        value = float(value)  # bool, int, float and numpy scalars
    except (TypeError, ValueError):
        return {"error": f"score of type {type(value).__name__}"}
    return {"score": value} if math.isfinite(value) else {"error": "score is not finite"}
