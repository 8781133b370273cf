"""Turn what a lane reports about a finished child into a JobResult (trusted side)."""

from __future__ import annotations

import signal
from typing import Any

from forge.sandbox import codec, frames
from forge.sandbox.jobs import JobResult, Limits


def build(
    limits: Limits,
    done: dict[str, Any],
    blobs: list[bytes],
    timed_out: bool,
    duration: float,
    isolation: tuple[str, ...],
) -> JobResult:
    """Return the JobResult for one job from the lane's ``done`` report and blobs."""
    try:
        return _build(limits, done, blobs, timed_out, duration, isolation)
    except (TypeError, ValueError, KeyError) as exc:
        return JobResult(
            "crash",
            None,
            f"sandbox lane sent a malformed report: {exc}",
            duration_s=duration,
            isolation=isolation,
        )


def _build(
    limits: Limits,
    done: dict[str, Any],
    blobs: list[bytes],
    timed_out: bool,
    duration: float,
    isolation: tuple[str, ...],
) -> JobResult:
    out, err, frame = (list(blobs) + [b"", b"", b""])[:3]

    def result(status: str, message: str = "", value: Any = None) -> JobResult:
        return JobResult(status, value, message, _text(out), _text(err), duration, isolation)

    if done.get("setup_error"):
        return result("error", str(done["setup_error"]))
    if timed_out:
        return result("timeout", f"timed out after {limits.wall_s:.1f}s")
    killed = done.get("killed")
    if killed in ("stdout", "stderr"):
        return result("output_limit", f"{killed} exceeded {limits.output_bytes} bytes")
    if killed == "result":
        return result("output_limit", f"result is larger than {limits.result_bytes} bytes")
    if killed == "memory":
        return result("memory", f"memory limit exceeded ({limits.memory_mb} MB)")
    code = done.get("exit")
    code = code if type(code) is int else -int(signal.SIGKILL)
    if code < 0:
        return _signalled(-code, limits, done, result)
    parts = frames.split(frame)
    if parts is None and frame:
        return result("rejected", f"malformed result frame ({len(frame)} bytes: {frame[:24]!r})")
    if parts is None:
        return result("crash", f"result frame missing (process exited with code {code})")
    if code != 0 and parts[0] != "S":
        return result("crash", f"process exited with code {code} after writing its result")
    return _from_frame(parts[0], parts[1], limits, result)


def _signalled(signum: int, limits: Limits, done: dict[str, Any], result: Any) -> JobResult:
    name = _signame(signum)
    cpu = float(done.get("cpu_s") or 0.0)
    if signum == signal.SIGXCPU or (signum == signal.SIGKILL and cpu >= limits.cpu_s):
        return result("timeout", f"CPU time limit exceeded ({limits.cpu_s:.1f}s)")
    rss_kb = float(done.get("maxrss_kb") or 0)
    if signum == signal.SIGKILL and rss_kb >= 0.9 * limits.memory_mb * 1024:
        return result("memory", f"memory limit exceeded ({limits.memory_mb} MB)")  # OOM killer
    if signum == getattr(signal, "SIGXFSZ", -1):
        return result("output_limit", f"file size limit exceeded ({limits.file_bytes} bytes)")
    return result("crash", f"killed by signal {name}")


def _from_frame(kind: str, body: bytes, limits: Limits, result: Any) -> JobResult:
    message = body.decode("utf-8", "replace")
    if kind == "E":
        return result("error", message)
    if kind == "M":
        return result("memory", f"memory limit exceeded ({limits.memory_mb} MB)")
    if kind == "L":
        return result("output_limit", f"result is larger than {limits.result_bytes} bytes")
    if kind == "R":
        return result("rejected", message)
    if kind == "S":
        return result("error", f"sandbox setup failed: {message}")
    try:
        return result("ok", "", codec.decode(body))
    except codec.FrameError as exc:
        return result("rejected", f"result refused: {exc}")


def _signame(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")
