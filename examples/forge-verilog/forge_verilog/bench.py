"""Test benches generated from a task's case list, and the reading of what they print.

Runs on the trusted side. A bench instantiates the candidate's module as ``dut``, applies
each case's inputs in order and prints one line per case::

    <tag> <index> sum=0 carry=1

``tag`` is a fresh random token per verification: the candidate's own ``$display`` calls
cannot forge a line, because the token is in no file the candidate's code can read (the
runner compiles to a pipe and deletes the sources before the simulation starts). The
bench ends with ``<tag> done``; a simulation that stops earlier (the design called
``$finish``) is reported, not mistaken for a result.

A combinational case sets the inputs, waits 1 ns and samples the outputs. A sequential
task (``clock`` names the clock input) applies each cycle's inputs while the clock is low,
raises it, waits 1 ns and samples, so outputs are read after the rising edge.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

Port = tuple[str, int]
Case = Mapping[str, Mapping[str, int]]

_LINE = re.compile(r"^(\S+) (\d+)((?: \w+=[01xXzZ]+)*)\s*$")


def bench_source(
    module: str,
    inputs: Sequence[Port],
    outputs: Sequence[Port],
    cases: Sequence[Case],
    tag: str,
    clock: str | None = None,
) -> str:
    """Return the Verilog test bench ``forge_bench`` that applies ``cases`` to ``module``."""
    driven = [(n, w) for n, w in inputs if n != clock]
    lines = ["`timescale 1ns/1ps", "module forge_bench;"]
    lines += [f"  reg {_range(w)}{n};" for n, w in driven]
    lines += [f"  wire {_range(w)}{n};" for n, w in outputs]
    if clock:
        lines.append(f"  reg {clock};")
    ports = ", ".join(f".{n}({n})" for n, _ in [*inputs, *outputs])
    lines += [f"  {module} dut({ports});", "  initial begin"]
    if clock:
        lines.append(f"    {clock} = 0;")
    fmt = " ".join(f"{n}=%b" for n, _ in outputs)
    args = ", ".join(n for n, _ in outputs)
    for i, case in enumerate(cases):
        sets = " ".join(f"{n} = {w}'d{int(case['in'][n])};" for n, w in driven)
        lines.append(f"    {sets}")
        lines.append(f"    #1 {clock} = 1; #1;" if clock else "    #1;")
        lines.append(f'    $display("{tag} {i} {fmt}", {args});')
        if clock:
            lines.append(f"    {clock} = 0;")
    lines += [f'    $display("{tag} done");', "    $finish;", "  end", "endmodule", ""]
    return "\n".join(lines)


def read_outputs(stdout: str, tag: str, count: int) -> tuple[list[dict[str, str] | None], bool]:
    """Return (the outputs printed for each of ``count`` cases, or None where none was
    printed; whether the bench reached its end). Lines without ``tag`` are ignored."""
    found: list[dict[str, str] | None] = [None] * count
    done = False
    for line in stdout.splitlines():
        if line == f"{tag} done":
            done = True
            continue
        m = _LINE.match(line)
        if not m or m.group(1) != tag or not 0 <= int(m.group(2)) < count:
            continue
        pairs = (item.split("=", 1) for item in m.group(3).split())
        found[int(m.group(2))] = {name: bits.lower() for name, bits in pairs}
    return found, done


def show_bits(bits: str) -> str:
    """Return ``bits`` (as %b printed them) as a decimal number, or as ``4'bx01z`` when some
    bit is unknown (x) or undriven (z)."""
    if bits and set(bits) <= {"0", "1"}:
        return str(int(bits, 2))
    return f"{len(bits)}'b{bits}"


def format_inputs(values: Mapping[str, Any]) -> str:
    """Return ``a=1 b=0`` for a case's inputs."""
    return " ".join(f"{name}={value}" for name, value in values.items())


def _range(width: int) -> str:
    return f"[{width - 1}:0] " if width > 1 else ""
