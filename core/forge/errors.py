"""Typed errors. Inside forge code raises these; the CLI turns each into one line with a hint."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ForgeError(Exception):
    """Base class for every error forge reports to a user.

    ``str(error)`` is the one-line message the CLI prints; ``hint`` (optional) is
    appended after it, and ``exit_code`` is the process exit status.
    """

    exit_code = 2

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        """Return the message and hint as the single line the CLI prints."""
        return f"{self.message} {self.hint}".strip()


class UsageError(ForgeError):
    """A command was called with arguments that cannot work (bad flag combination, bad value)."""


class ConfigError(ForgeError):
    """A YAML config or a config value is invalid; the message names the key path."""


class TaskFormatError(ForgeError):
    """A task file or task source is malformed; the message names the file and line."""


class PluginError(ForgeError):
    """A plugin failed to load or registered something invalid; the message names the plugin."""


class ModelError(ForgeError):
    """A model could not be found, fetched, converted or loaded."""


class SandboxError(ForgeError):
    """The sandbox service itself failed (not a candidate: candidates get verdicts)."""


class ExecutorError(ForgeError):
    """An executor's workers could not be started or reached, or stopped answering."""


class StoreError(ForgeError):
    """A run folder is missing, locked or incompatible."""


class UnknownNameError(ForgeError):
    """A name (domain, task, model, loader) is not known; the message suggests the closest ones."""

    def __init__(
        self,
        kind: str,
        name: str,
        available: Iterable[str],
        extra_hint: str = "",
        label: str = "Installed",
    ) -> None:
        names = sorted(set(available))
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
        parts = [f"Unknown {kind} '{name}'."]
        if close:
            parts.append(f"Did you mean '{close[0]}'?")
        parts.append(f"{label}: {', '.join(names)}" if names else f"{label}: none.")
        if extra_hint:
            parts.append(extra_hint)
        super().__init__(" ".join(parts))
        self.kind = kind
        self.name = name
        self.available = names
