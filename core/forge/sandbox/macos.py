"""macOS: start a lane under ``sandbox-exec`` where it exists (no network, writes to scratch).

``sandbox-exec`` is deprecated by Apple but still ships; when it is missing (or disabled
with ``FORGE_SANDBOX_DISABLE=sandbox_exec``) lanes start without it and results say so.
On macOS RLIMIT_AS is not honoured, so the lane runs an RSS watchdog instead.

Nothing may be executed but the Python that runs the lane (its install prefixes) and the
programs of the program profile (:mod:`forge.sandbox.profile`), which the supervisor adds
as domains ask for them, restarting its lanes with the new profile.
"""

from __future__ import annotations

import os
import shutil
import sys
from sys import base_prefix, exec_prefix, executable, prefix

PROFILE = """(version 1)
(allow default)
(deny network*)
(allow network* (remote unix-socket (path-literal "/private/var/run/syslog")))
(deny file-write*)
(allow file-write* (subpath "{scratch}") (literal "/dev/null") (literal "/dev/dtracehelper"))
(deny process-exec*)
(allow process-exec* {executables})
"""


def wrap(
    cmd: list[str],
    scratch_root: str,
    disable: tuple[str, ...],
    programs: tuple[str, ...] = (),
) -> tuple[list[str], tuple[str, ...]]:
    """Return ``cmd`` wrapped in sandbox-exec when on macOS and available, plus the layer name.

    ``programs`` are the files (besides Python) the lane's children may execute.
    """
    if sys.platform != "darwin" or "sandbox_exec" in disable:
        return cmd, ()
    tool = shutil.which("sandbox-exec")
    if tool is None:
        return cmd, ()
    return [tool, "-p", profile(scratch_root, programs), *cmd], ("sandbox_exec",)


def profile(scratch_root: str, programs: tuple[str, ...] = ()) -> str:
    """Return the sandbox-exec profile text for a lane (scratch writable, ``programs`` and
    the Python install executable, no network)."""
    prefixes = sorted({os.path.realpath(p) for p in (prefix, base_prefix, exec_prefix)})
    rules = [f"(subpath {_quote(p)})" for p in prefixes]
    rules += [
        f"(literal {_quote(p)})" for p in (executable, os.path.realpath(executable), *programs)
    ]
    return PROFILE.format(scratch=os.path.realpath(scratch_root), executables=" ".join(rules))


def _quote(path: str) -> str:
    """Return ``path`` as a sandbox profile string literal."""
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'
