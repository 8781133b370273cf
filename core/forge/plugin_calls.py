"""Calls into a domain whose mistakes must name the plugin, not look like forge's bugs.

A domain's ``verify`` is guarded by :mod:`forge.verifiers` (an exception is an ``error``
verdict naming it). These guard the other calls a run makes: loading tasks (a bad return
or a ``TypeError`` from ``Task(...)`` stops with one line naming the plugin), and feedback
and scores (a failure is warned about once and the run goes on with forge's defaults).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from forge.domain import Domain, FeedbackStyle, repair_messages, score_only_feedback
from forge.errors import ForgeError, PluginError
from forge.types import Message, Task, Verdict

Warn = Callable[[str, str], None]
"""``warn(key, message)``: report ``message`` once per ``key``."""


def load_tasks(what: str, load: Callable[[], Any]) -> list[Task]:
    """Return ``load()``'s tasks; raise PluginError naming ``what`` if it raises or returns
    anything but a list of :class:`forge.types.Task`. forge's own errors pass through."""
    try:
        tasks = load()
    except ForgeError:
        raise
    except Exception as exc:  # noqa: BLE001 - a plugin's bug, reported as one line naming it
        raise PluginError(f"The {what} failed to load tasks: {type(exc).__name__}: {exc}") from exc
    if not isinstance(tasks, (list, tuple)):
        raise PluginError(
            f"The {what} returned {_kind(tasks)}; it must return a list of forge.Task."
        )
    for task in tasks:
        if not isinstance(task, Task):
            raise PluginError(
                f"The {what} returned {_kind(task)} as a task; it must return forge.Task objects."
            )
    return list(tasks)


def feedback(domain: Domain, task: Task, verdict: Verdict, style: FeedbackStyle, warn: Warn) -> str:
    """Return ``domain.feedback(...)``; on an exception or a non-str, warn once and fall back
    to score-only feedback, so one plugin bug does not stop a long run."""
    try:
        text = domain.feedback(task, verdict, style)
        if not isinstance(text, str):
            raise TypeError(f"feedback() returned {type(text).__name__}, not str")
        return text
    except Exception as exc:  # noqa: BLE001 - see the module docstring
        warn(
            "feedback",
            f"{_label(domain)} failed in feedback(): {type(exc).__name__}: {exc}; "
            "score-only feedback is used instead",
        )
        return score_only_feedback(verdict)


def repair_prompt(
    domain: Domain, task: Task, artifact: str, verdict: Verdict, style: FeedbackStyle, warn: Warn
) -> list[Message]:
    """Return ``domain.repair_prompt(...)``; on an exception or a value that is not a list of
    chat messages, warn once and fall back to the default request with score-only feedback."""
    try:
        messages = domain.repair_prompt(task, artifact, verdict, style)
        if (
            not isinstance(messages, list)
            or not messages
            or not all(_is_message(m) for m in messages)
        ):
            raise TypeError(f"repair_prompt() returned {repr(messages)[:60]}, not chat messages")
        return messages
    except Exception as exc:  # noqa: BLE001 - see the module docstring
        warn(
            "repair_prompt",
            f"{_label(domain)} failed in repair_prompt(): "
            f"{type(exc).__name__}: {exc}; a repair request with score-only feedback is used",
        )
        return repair_messages(domain, task, artifact, score_only_feedback(verdict))


def _is_message(m: object) -> bool:
    return (
        isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
    )


def score(domain: Domain, verdict: Verdict, warn: Warn) -> float:
    """Return ``domain.score(verdict)``; anything but a number in [0, 1] (or an exception)
    is warned about once and replaced by forge's default score (the public pass rate)."""
    try:
        value = domain.score(verdict)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise TypeError(f"score() returned {repr(value)[:40]}, not a number in [0, 1]")
        return float(value)
    except Exception as exc:  # noqa: BLE001 - see the module docstring
        warn(
            "score",
            f"{_label(domain)} failed in score(): {type(exc).__name__}: {exc}; "
            "the public pass rate is used instead",
        )
        return Domain.score(domain, verdict)


def _kind(value: Any) -> str:
    return f"{type(value).__name__} {repr(value)[:60]}"


def _label(domain: Domain) -> str:
    from forge.plugins import domain_label

    return domain_label(domain.name)
