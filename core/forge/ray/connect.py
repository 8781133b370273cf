"""Joining (or starting) a Ray cluster with bounded waits, and listing its nodes.

Ray's own connection retries can wait for minutes on an address nobody answers, so
:func:`connect` first checks that the address takes a TCP connection (a few seconds), then
calls ``ray.init`` on a helper thread and stops waiting after ``timeout_s``. Starting Ray on
this machine (no address) reaches nothing remote and runs on the calling thread.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from typing import Any

from forge.errors import ExecutorError

INSTALL_HINT = "Ray is not installed; install it with: pip install 'forge[ray]'"
PROBE_TIMEOUT_S = 5.0
"""How long the address check waits for a TCP connection to the cluster's head."""
CONNECT_TIMEOUT_S = 120.0
"""The longest wait for joining a cluster that answers (Ray retries a refused token forever)."""
FORWARDED_ENV = ("FORGE_LOAD_PLUGINS", "FORGE_SANDBOX_DISABLE", "FORGE_TRACE_HOOKS")
"""Settings of this process every Ray worker of the run gets too (same plugins, same layers)."""


@dataclass(frozen=True)
class Node:
    """One alive Ray node that can run work: its id, address, and declared CPUs and GPUs."""

    id: str
    host: str
    cpus: int
    gpus: int

    @property
    def short(self) -> str:
        """The first eight characters of the node id (what logs and messages show)."""
        return self.id[:8]


def missing() -> str | None:
    """Return None when Ray can be imported, else the one line saying how to install it."""
    try:
        import ray  # noqa: F401
    except ImportError:
        return INSTALL_HINT
    return None


def forwarded_env() -> dict[str, str]:
    """The :data:`FORWARDED_ENV` settings this process has (every worker of the run gets them)."""
    return {k: os.environ[k] for k in FORWARDED_ENV if k in os.environ}


def connect(address: str | None, timeout_s: float) -> bool:
    """Join the cluster at ``address`` (``auto`` or ``HOST:PORT``), or start Ray here (None).

    Returns True when this call started the connection (the caller shuts it down), False
    when Ray was already initialised in this process. Raises ExecutorError, within about
    ``timeout_s`` seconds, when the cluster cannot be found or reached.
    """
    import ray

    if ray.is_initialized():
        return False
    kwargs: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING}
    env = forwarded_env()
    if env:
        kwargs["runtime_env"] = {"env_vars": env}
    if address is None:
        # On this thread: Ray starts its processes with a parent-death signal, which Linux
        # ties to the starting *thread*, so a helper thread's exit would kill them.
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # forge sends nothing anywhere
        try:
            ray.init(include_dashboard=False, **kwargs)
        except Exception as exc:  # noqa: BLE001 - reported in one line
            raise ExecutorError(f"Starting Ray on this machine failed: {exc}") from None
        return True
    where = _reachable(address)
    wait = min(timeout_s, CONNECT_TIMEOUT_S)
    _bounded(lambda: ray.init(address=where, **kwargs), wait, f"Connecting to {where}")
    return True


def _reachable(address: str) -> str:
    """Return ``address`` as HOST:PORT once a TCP connection to it succeeds."""
    resolved = _canonical(address)
    host, _, port = resolved.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=PROBE_TIMEOUT_S):
            pass
    except (OSError, ValueError) as exc:
        raise ExecutorError(
            f"Cannot reach the Ray cluster at {resolved} ({exc}).",
            "Start it there with 'ray start --head', or pass --ray-address HOST:PORT.",
        ) from None
    return resolved


def _canonical(address: str) -> str:
    """Resolve ``auto`` (RAY_ADDRESS, or the cluster 'ray start' made here) to HOST:PORT."""
    if address != "auto":
        if ":" not in address:
            raise ExecutorError(
                f"Ray address '{address}' has no port.",
                "Pass auto or HOST:PORT, e.g. --ray-address 10.0.0.5:6379.",
            )
        return address
    try:
        from ray._private.services import canonicalize_bootstrap_address_or_die

        return str(canonicalize_bootstrap_address_or_die("auto"))
    except (ConnectionError, ValueError) as exc:
        raise ExecutorError(
            f"No Ray cluster found for --ray-address auto: {exc}",
            "Start one with 'ray start --head', or pass --ray-address HOST:PORT.",
        ) from None


class _QuietSignalWarning(logging.Filter):
    """Drop Ray's note that it sets no SIGTERM handler off the main thread (expected here)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "SIGTERM handler" not in record.getMessage()


def _bounded(call: Any, timeout_s: float, what: str) -> None:
    """Run ``call`` on a helper thread; raise ExecutorError if it fails or outlasts ``timeout_s``."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - reported to the waiting caller
            outcome.append(exc)

    quiet = _QuietSignalWarning()
    logger = logging.getLogger("ray._private.worker")
    logger.addFilter(quiet)
    try:
        thread = threading.Thread(target=run, name="forge-ray-connect", daemon=True)
        thread.start()
        thread.join(timeout_s)
    finally:
        logger.removeFilter(quiet)
    if not outcome:
        raise ExecutorError(
            f"{what} did not finish within {timeout_s:g} s.",
            "Check the cluster ('ray status' there). If it uses token authentication, set "
            "RAY_AUTH_MODE=token here with the head's token (~/.ray/auth_token or RAY_AUTH_TOKEN).",
        )
    if outcome[0] is not None:
        exc = outcome[0]
        raise ExecutorError(f"{what} failed: {type(exc).__name__}: {exc}".strip()) from None


def alive_nodes() -> list[Node]:
    """Return the cluster's alive nodes that declare at least one CPU, head first."""
    import ray

    nodes = []
    for info in ray.nodes():
        resources = info.get("Resources", {})
        if not info.get("Alive") or resources.get("CPU", 0) < 1:
            continue
        node = Node(
            id=info["NodeID"],
            host=info.get("NodeManagerAddress", "?"),
            cpus=int(resources["CPU"]),
            gpus=int(resources.get("GPU", 0)),
        )
        nodes.append((0 if "node:__internal_head__" in resources else 1, node))
    return [node for _, node in sorted(nodes, key=lambda pair: pair[0])]


def disconnect() -> None:
    """Leave the cluster (and stop Ray if :func:`connect` started it on this machine)."""
    import ray

    ray.shutdown()
