"""A small actor for the dispatch tests (importable on the nodes: the repo is on their path)."""

from __future__ import annotations

import os
import time

from forge.ray.dispatch import Failed


class Sleeper:
    """Naps, refuses, or raises on request."""

    def nap(self, seconds: float) -> tuple[float, int]:
        """Sleep ``seconds``; return them with this process's id."""
        time.sleep(seconds)
        return seconds, os.getpid()

    def refuse(self, _: object) -> Failed:
        """Answer the way forge's actors refuse a call."""
        return Failed("no such domain here")

    def explode(self, _: object) -> None:
        """Raise inside the actor."""
        raise ValueError("boom")
