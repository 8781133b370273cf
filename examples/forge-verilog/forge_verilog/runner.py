"""Runs inside forge's sandbox: compile the design with its bench, simulate, report.

The job's child may execute only the programs the domain declared (``iverilog`` and its
helpers, ``vvp``), as resolved by forge; their absolute paths come in the payload. The
runner never decides pass or fail and never sees expected values: it returns what the
compiler said, or what the simulation printed and how it ended.

The compiled program goes to a pipe, not a file, and the sources are deleted before the
simulation starts, so the design's own code cannot read the bench's output tag.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import threading
import time
from typing import Any

SOURCES = ("bench.v", "design.v")


def simulate(payload: dict[str, Any]) -> dict[str, Any]:
    """Compile ``payload["design"]`` with ``payload["bench"]`` and run it; return what happened.

    Returns ``{"stage": "compile", "log": ...}`` when compiling fails (or times out), else
    ``{"stage": "simulate", "end": "finished" | "timeout" | "output_limit" | "exit N",
    "stdout": ...}``.
    """
    for name, key in zip(SOURCES, ("bench", "design"), strict=True):
        with open(name, "w", encoding="utf-8") as f:
            f.write(payload[key])
    compile_cmd = [
        payload["iverilog"],
        "-g2012",
        "-s",
        "forge_bench",
        "-o",
        "/dev/stdout",
        *SOURCES,
    ]
    program, log, end = _run(compile_cmd, b"", float(payload["compile_s"]), 64 << 20)
    for name in SOURCES:
        os.remove(name)
    if end != "exit 0":
        why = (
            "did not finish compiling in time" if end == "timeout" else log.decode(errors="replace")
        )
        return {"stage": "compile", "log": why.strip() or f"the compiler stopped ({end})"}
    cap = int(payload["max_output"])
    out, _, end = _run([payload["vvp"], "-n", "/dev/stdin"], program, float(payload["sim_s"]), cap)
    return {
        "stage": "simulate",
        "end": "finished" if end == "exit 0" else end,
        "stdout": out.decode(errors="replace"),
    }


def _run(cmd: list[str], stdin: bytes, timeout_s: float, cap: int) -> tuple[bytes, bytes, str]:
    """Run ``cmd`` with ``stdin``; return (stdout, stderr, end).

    ``end`` is ``exit N``, ``timeout`` (still running after ``timeout_s``) or
    ``output_limit`` (more than ``cap`` bytes of output). The runner then returns at once:
    whatever is still running is killed by forge with the rest of the job's process group.
    """
    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    threading.Thread(target=_feed, args=(proc.stdin, stdin), daemon=True).start()
    chunks: dict[int, list[bytes]] = {1: [], 2: []}
    end = _drain(proc, chunks, time.monotonic() + timeout_s, cap)
    if not end:
        end = f"exit {proc.wait()}"
    return b"".join(chunks[1]), b"".join(chunks[2]), end


def _drain(
    proc: subprocess.Popen[bytes], chunks: dict[int, list[bytes]], deadline: float, cap: int
) -> str:
    """Read stdout and stderr until both close; return '' or why reading stopped early."""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, 1)  # type: ignore[arg-type]
    sel.register(proc.stderr, selectors.EVENT_READ, 2)  # type: ignore[arg-type]
    size = 0
    while sel.get_map():
        left = deadline - time.monotonic()
        if left <= 0:
            return "timeout"
        for key, _ in sel.select(left):
            data = os.read(key.fd, 65536)
            if not data:
                sel.unregister(key.fileobj)
                continue
            chunks[key.data].append(data)
            size += len(data)
            if size > cap:
                return "output_limit"
    return ""


def _feed(pipe: Any, data: bytes) -> None:
    """Write ``data`` to the program's stdin and close it (a thread: the program may not read)."""
    try:
        pipe.write(data)
        pipe.close()
    except OSError:  # the program exited before reading everything
        pass
