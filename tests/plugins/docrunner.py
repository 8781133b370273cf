"""Run the code samples of a Markdown page, in order, the way a reader would.

Markers (HTML comments on the line before a fenced block) say what a block is:

- ``<!-- file: PATH -->``: write the block to PATH (relative to the page's work folder).
- ``<!-- output -->``: the block is the output of the block before it; it must match.
- ``<!-- no-test: REASON -->``: not run (rare; the reason is required).
- ``<!-- exact -->`` before a ``console`` block: each command's output must be exactly the
  lines shown, in order (blank lines aside; ``...`` inside a line still stands for any text,
  such as column padding or a duration), so a sample cannot silently show less than it prints.

Unmarked blocks: ``python`` runs in a fresh interpreter of the page's venv (each block
stands alone) and must exit 0; ``console`` runs each ``$ command`` with bash and checks
the lines after it against the command's output; ``toml``/``json``/``yaml`` must parse.
Expected lines match when each ``...``-separated fragment appears, in order, in one line
of real output (whitespace collapsed); a line that is only ``...`` is skipped. A command
with no expected lines must exit 0.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: TOML samples are still used by pip when installed
    tomllib = None

_FENCE = re.compile(
    r"^(?P<fence>`{3,})(?P<lang>[\w+-]*)[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S
)
_MARKER = re.compile(r"^<!--\s*(?P<kind>file|output|no-test|exact)\s*:?\s*(?P<arg>.*?)\s*-->$")


@dataclass
class Block:
    """One fenced block of a page and the marker before it (if any)."""

    lang: str
    body: str
    line: int
    marker: str = ""
    arg: str = ""


def blocks(text: str) -> list[Block]:
    """Return the fenced blocks of ``text`` in order, with their markers."""
    out, last_end = [], 0
    for m in _FENCE.finditer(text):
        before = [ln.strip() for ln in text[last_end : m.start()].splitlines() if ln.strip()]
        marker = _MARKER.match(before[-1]) if before else None
        out.append(
            Block(
                lang=m.group("lang"),
                body=m.group("body"),
                line=text.count("\n", 0, m.start()) + 1,
                marker=marker.group("kind") if marker else "",
                arg=marker.group("arg") if marker else "",
            )
        )
        last_end = m.end()
    return out


def matches(expected: str, output: str) -> str | None:
    """Return None when every expected line is found in ``output``, else the first missing one."""
    lines = [" ".join(ln.split()) for ln in output.splitlines()]
    for raw in expected.splitlines():
        frags = [" ".join(f.split()) for f in raw.split("...") if f.strip()]
        if frags and not any(_in_order(frags, ln) for ln in lines):
            return raw
    return None


def matches_exactly(expected: str, output: str) -> str | None:
    """Return None when the non-blank lines of ``output`` match those of ``expected`` one to
    one, in order (``...`` inside a line matches any text); else a description of the first
    difference."""
    want = [ln for ln in expected.splitlines() if ln.strip()]
    got = [" ".join(ln.split()) for ln in output.splitlines() if ln.strip()]
    for i, raw in enumerate(want):
        if i >= len(got):
            return f"missing line {raw!r}"
        pattern = ".*".join(re.escape(" ".join(f.split())) for f in raw.split("..."))
        if not re.fullmatch(pattern, got[i]):
            return f"line {i + 1} is {got[i]!r}, not {raw!r}"
    if len(got) > len(want):
        return f"extra line {got[len(want)]!r} not shown in the docs"
    return None


def _in_order(frags: list[str], line: str) -> bool:
    pos = 0
    for frag in frags:
        pos = line.find(frag, pos)
        if pos < 0:
            return False
        pos += len(frag)
    return True


def console_steps(body: str) -> list[tuple[str, str]]:
    """Split a console block into ``(command, expected output)`` pairs."""
    steps: list[tuple[str, list[str]]] = []
    pending = ""
    for line in body.splitlines():
        if pending or line.startswith("$ "):
            cmd = pending + (line.lstrip() if pending else line[2:])
            if cmd.endswith("\\"):
                pending = cmd[:-1] + " "
                continue
            pending = ""
            steps.append((cmd, []))
        elif steps:
            steps[-1][1].append(line)
    return [(cmd, "\n".join(lines)) for cmd, lines in steps]


def run_page(page: Path, workdir: Path, python: Path, env: dict[str, str]) -> int:
    """Run every block of ``page`` in ``workdir``; raise AssertionError naming the failing line.

    Returns the number of blocks that were executed or checked.
    """
    done, last_output = 0, ""
    for block in blocks(page.read_text(encoding="utf-8")):
        where = f"{page.name}:{block.line}"
        if block.marker == "no-test":
            assert block.arg, f"{where}: no-test needs a reason"
            continue
        if block.marker == "file":
            target = workdir / block.arg
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.body, encoding="utf-8")
        elif block.marker == "output":
            missing = matches(block.body, last_output)
            assert missing is None, f"{where}: output line {missing!r} not in:\n{last_output}"
        elif block.lang == "python":
            proc = _run([str(python), "-"], workdir, env, stdin=block.body)
            last_output = proc.stdout + proc.stderr
            assert proc.returncode == 0, f"{where}: python block failed:\n{last_output}"
        elif block.lang == "console":
            last_output = _console(block.body, workdir, env, where, block.marker == "exact")
        elif block.lang in ("toml", "json", "yaml"):
            _parse(block.lang, block.body, where)
        else:
            continue
        done += 1
    return done


def _console(body: str, workdir: Path, env: dict[str, str], where: str, exact: bool) -> str:
    output = ""
    for cmd, expected in console_steps(body):
        proc = _run(["bash", "-c", cmd], workdir, env)
        output = proc.stdout + proc.stderr
        if exact:
            wrong = matches_exactly(expected, output)
            assert wrong is None, f"{where}: `{cmd}`: {wrong}; the output was:\n{output}"
            assert expected.strip() or proc.returncode == 0, f"{where}: `{cmd}` failed"
        elif expected.strip():
            missing = matches(expected, output)
            assert missing is None, f"{where}: `{cmd}`: line {missing!r} not in:\n{output}"
        else:
            assert proc.returncode == 0, f"{where}: `{cmd}` exited {proc.returncode}:\n{output}"
    return output


def _parse(lang: str, body: str, where: str) -> None:
    parsers = {"json": json.loads, "yaml": yaml.safe_load}
    if tomllib is not None:
        parsers["toml"] = tomllib.loads
    if lang not in parsers:
        return
    try:
        parsers[lang](body)
    except Exception as exc:  # noqa: BLE001 - report which sample is broken
        raise AssertionError(f"{where}: {lang} sample does not parse: {exc}") from None


def _run(argv: list[str], cwd: Path, env: dict[str, str], stdin: str | None = None):
    return subprocess.run(
        argv, cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=180
    )
