"""macOS: start a lane under ``sandbox-exec`` where it exists (no network, writes to scratch).

``sandbox-exec`` is deprecated by Apple but still ships; when it is missing (or disabled
with ``FORGE_SANDBOX_DISABLE=sandbox_exec``) lanes start without it and results say so.
On macOS RLIMIT_AS is not honoured, so the lane runs an RSS watchdog instead.
"""

from __future__ import annotations

import os
import shutil
import sys

PROFILE = """(version 1)
(allow default)
(deny network*)
(allow network* (remote unix-socket (path-literal "/private/var/run/syslog")))
(deny file-write*)
(allow file-write* (subpath "{scratch}") (literal "/dev/null") (literal "/dev/dtracehelper"))
"""


def wrap(
    cmd: list[str], scratch_root: str, disable: tuple[str, ...]
) -> tuple[list[str], tuple[str, ...]]:
    """Return ``cmd`` wrapped in sandbox-exec when on macOS and available, plus the layer name."""
    if sys.platform != "darwin" or "sandbox_exec" in disable:
        return cmd, ()
    tool = shutil.which("sandbox-exec")
    if tool is None:
        return cmd, ()
    profile = PROFILE.format(scratch=os.path.realpath(scratch_root))
    return [tool, "-p", profile, *cmd], ("sandbox_exec",)
