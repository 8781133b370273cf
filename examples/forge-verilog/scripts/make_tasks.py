"""Write forge_verilog/data/tasks.jsonl from the Python models below (run it after editing).

Each task names a module, its ports and a description; its cases come from a Python model
of the circuit, so expected values are computed, never typed in. ``reference`` is a known
good Verilog answer; the package's tests simulate every reference with Icarus Verilog
against every case, so a wrong model here fails the tests.

    python scripts/make_tasks.py
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "forge_verilog" / "data" / "tasks.jsonl"


def combinational(inputs, model, hidden_every=3, limit=None, seed=0):
    """Return (public, hidden) cases: every input vector (or ``limit`` random ones), with
    every ``hidden_every``-th one hidden."""
    names = [n for n, _ in inputs]
    space = [range(1 << w) for _, w in inputs]
    vectors = list(itertools.product(*space))
    if limit is not None and len(vectors) > limit:
        vectors = random.Random(seed).sample(vectors, limit)
    cases = [{"in": dict(zip(names, v, strict=True)), "out": model(*v)} for v in vectors]
    public = [c for i, c in enumerate(cases) if i % hidden_every != hidden_every - 1]
    hidden = [c for i, c in enumerate(cases) if i % hidden_every == hidden_every - 1]
    return public, hidden


def sequential(step, initial, public_inputs, hidden_inputs):
    """Return (public, hidden) cycles: inputs before each rising clock edge and the outputs
    after it, from ``step(state, inputs) -> (state, outputs)``; hidden cycles continue."""
    state, out = initial, ([], [])
    for part, seq in enumerate((public_inputs, hidden_inputs)):
        for ins in seq:
            state, outs = step(state, ins)
            out[part].append({"in": dict(ins), "out": outs})
    return out


def rnd_seq(names, n, seed, reset_prob=0.1):
    r = random.Random(seed)
    seq = []
    for _ in range(n):
        ins = {k: r.randint(0, 1) for k in names}
        ins["rst"] = 1 if r.random() < reset_prob else 0
        seq.append(ins)
    return seq


TASKS = []


def task(id, module, description, inputs, outputs, cases, reference, difficulty=1, clock=None):
    public, hidden = cases
    TASKS.append(
        {
            "id": id,
            "module": module,
            "description": description,
            "inputs": [list(p) for p in inputs],
            "outputs": [list(p) for p in outputs],
            "clock": clock,
            "cases": public,
            "hidden": hidden,
            "difficulty": difficulty,
            "reference": reference.strip() + "\n",
        }
    )


task(
    "mux2",
    "mux2",
    "a 2-to-1 multiplexer: y is a when sel is 0 and b when sel is 1.",
    [("a", 1), ("b", 1), ("sel", 1)],
    [("y", 1)],
    combinational([("a", 1), ("b", 1), ("sel", 1)], lambda a, b, s: {"y": b if s else a}),
    "module mux2(input a, input b, input sel, output y);\n  assign y = sel ? b : a;\nendmodule",
)
task(
    "half-adder",
    "half_adder",
    "a half adder: sum is a XOR b, carry is a AND b.",
    [("a", 1), ("b", 1)],
    [("sum", 1), ("carry", 1)],
    combinational([("a", 1), ("b", 1)], lambda a, b: {"sum": a ^ b, "carry": a & b}, 5),
    "module half_adder(input a, input b, output sum, output carry);\n"
    "  assign sum = a ^ b;\n  assign carry = a & b;\nendmodule",
)
task(
    "full-adder",
    "full_adder",
    "a full adder: {cout, sum} is a + b + cin.",
    [("a", 1), ("b", 1), ("cin", 1)],
    [("sum", 1), ("cout", 1)],
    combinational(
        [("a", 1), ("b", 1), ("cin", 1)],
        lambda a, b, c: {"sum": (a + b + c) & 1, "cout": (a + b + c) >> 1},
    ),
    "module full_adder(input a, input b, input cin, output sum, output cout);\n"
    "  assign {cout, sum} = a + b + cin;\nendmodule",
)
task(
    "mux4",
    "mux4",
    "a 4-to-1 multiplexer: y is bit sel of d (d[0] when sel is 0, d[3] when sel is 3).",
    [("d", 4), ("sel", 2)],
    [("y", 1)],
    combinational([("d", 4), ("sel", 2)], lambda d, s: {"y": (d >> s) & 1}, 3),
    "module mux4(input [3:0] d, input [1:0] sel, output y);\n  assign y = d[sel];\nendmodule",
)
task(
    "decoder2to4",
    "decoder2to4",
    "a 2-to-4 decoder with enable: when en is 1, out has only bit a set (out = 1 << a); "
    "when en is 0, out is 0.",
    [("a", 2), ("en", 1)],
    [("out", 4)],
    combinational([("a", 2), ("en", 1)], lambda a, e: {"out": (1 << a) if e else 0}),
    "module decoder2to4(input [1:0] a, input en, output [3:0] out);\n"
    "  assign out = en ? (4'b0001 << a) : 4'b0000;\nendmodule",
)
task(
    "adder4",
    "adder4",
    "a 4-bit adder: sum (5 bits) is a + b, carry out in sum[4].",
    [("a", 4), ("b", 4)],
    [("sum", 5)],
    combinational([("a", 4), ("b", 4)], lambda a, b: {"sum": a + b}, 3, limit=60, seed=1),
    "module adder4(input [3:0] a, input [3:0] b, output [4:0] sum);\n"
    "  assign sum = a + b;\nendmodule",
    difficulty=2,
)
task(
    "compare4",
    "compare4",
    "an unsigned 4-bit comparator: lt is 1 when a < b, eq when a == b, gt when a > b.",
    [("a", 4), ("b", 4)],
    [("lt", 1), ("eq", 1), ("gt", 1)],
    combinational(
        [("a", 4), ("b", 4)],
        lambda a, b: {"lt": int(a < b), "eq": int(a == b), "gt": int(a > b)},
        3,
        limit=60,
        seed=2,
    ),
    "module compare4(input [3:0] a, input [3:0] b, output lt, output eq, output gt);\n"
    "  assign lt = a < b;\n  assign eq = a == b;\n  assign gt = a > b;\nendmodule",
    difficulty=2,
)
task(
    "parity8",
    "parity8",
    "an 8-bit parity generator: parity is 1 when data has an odd number of 1 bits.",
    [("data", 8)],
    [("parity", 1)],
    combinational([("data", 8)], lambda d: {"parity": bin(d).count("1") & 1}, 3, limit=48, seed=3),
    "module parity8(input [7:0] data, output parity);\n  assign parity = ^data;\nendmodule",
)
task(
    "priority4",
    "priority4",
    "a 4-input priority encoder: idx is the index of the highest set bit of req and valid is 1; "
    "when req is 0, idx is 0 and valid is 0.",
    [("req", 4)],
    [("idx", 2), ("valid", 1)],
    combinational(
        [("req", 4)],
        lambda r: {"idx": r.bit_length() - 1 if r else 0, "valid": int(r > 0)},
        3,
    ),
    "module priority4(input [3:0] req, output reg [1:0] idx, output valid);\n"
    "  assign valid = |req;\n"
    "  always @(*) begin\n"
    "    if (req[3]) idx = 2'd3;\n    else if (req[2]) idx = 2'd2;\n"
    "    else if (req[1]) idx = 2'd1;\n    else idx = 2'd0;\n  end\nendmodule",
    difficulty=2,
)
ALU = {
    0: lambda a, b: (a + b) & 15,
    1: lambda a, b: (a - b) & 15,
    2: lambda a, b: a & b,
    3: lambda a, b: a | b,
}
task(
    "alu4",
    "alu4",
    "a 4-bit ALU: y is a + b when op is 0, a - b when op is 1, a AND b when op is 2, a OR b "
    "when op is 3 (results wrap to 4 bits).",
    [("a", 4), ("b", 4), ("op", 2)],
    [("y", 4)],
    combinational(
        [("a", 4), ("b", 4), ("op", 2)], lambda a, b, op: {"y": ALU[op](a, b)}, 3, limit=72, seed=4
    ),
    "module alu4(input [3:0] a, input [3:0] b, input [1:0] op, output reg [3:0] y);\n"
    "  always @(*) case (op)\n    2'd0: y = a + b;\n    2'd1: y = a - b;\n"
    "    2'd2: y = a & b;\n    default: y = a | b;\n  endcase\nendmodule",
    difficulty=3,
)


def dff_step(q, ins):
    q = 0 if ins["rst"] else ins["d"]
    return q, {"q": q}


task(
    "dff-reset",
    "dff_reset",
    "a D flip-flop with synchronous reset: at each rising edge of clk, q becomes 0 when rst is "
    "1, else d.",
    [("clk", 1), ("rst", 1), ("d", 1)],
    [("q", 1)],
    sequential(dff_step, 0, [{"rst": 1, "d": 1}] + rnd_seq(["d"], 9, 5), rnd_seq(["d"], 10, 6)),
    "module dff_reset(input clk, input rst, input d, output reg q);\n"
    "  always @(posedge clk) q <= rst ? 1'b0 : d;\nendmodule",
    clock="clk",
)


def counter_step(count, ins):
    count = 0 if ins["rst"] else (count + ins["en"]) & 15
    return count, {"count": count}


task(
    "counter4",
    "counter4",
    "a 4-bit counter with synchronous reset and enable: at each rising edge of clk, count "
    "becomes 0 when rst is 1, else count + 1 when en is 1 (wrapping from 15 to 0), else stays.",
    [("clk", 1), ("rst", 1), ("en", 1)],
    [("count", 4)],
    sequential(
        counter_step,
        0,
        [{"rst": 1, "en": 0}]
        + [{"rst": 0, "en": 1}] * 5
        + [{"rst": 0, "en": 0}] * 2
        + [{"rst": 1, "en": 1}, {"rst": 0, "en": 1}],
        [{"rst": 0, "en": 1}] * 16 + rnd_seq(["en"], 8, 7),
    ),
    "module counter4(input clk, input rst, input en, output reg [3:0] count);\n"
    "  always @(posedge clk)\n    if (rst) count <= 4'd0;\n"
    "    else if (en) count <= count + 4'd1;\nendmodule",
    difficulty=2,
    clock="clk",
)


def shift_step(q, ins):
    q = 0 if ins["rst"] else ((q << 1) | ins["din"]) & 15
    return q, {"q": q}


task(
    "shift4",
    "shift4",
    "a 4-bit shift register with synchronous reset: at each rising edge of clk, q becomes 0 "
    "when rst is 1, else q shifts left by one with din entering at q[0].",
    [("clk", 1), ("rst", 1), ("din", 1)],
    [("q", 4)],
    sequential(
        shift_step, 0, [{"rst": 1, "din": 0}] + rnd_seq(["din"], 9, 8, 0.0), rnd_seq(["din"], 12, 9)
    ),
    "module shift4(input clk, input rst, input din, output reg [3:0] q);\n"
    "  always @(posedge clk) q <= rst ? 4'd0 : {q[2:0], din};\nendmodule",
    difficulty=2,
    clock="clk",
)


def edge_step(prev, ins):
    if ins["rst"]:
        return 0, {"pulse": 0}
    return ins["sig"], {"pulse": int(ins["sig"] == 1 and prev == 0)}


task(
    "rising-edge",
    "rising_edge",
    "a rising-edge detector with synchronous reset: at each rising edge of clk, pulse becomes "
    "1 when sig is 1 and sig was 0 at the previous clock edge, else 0; rst clears pulse and "
    "the remembered value of sig.",
    [("clk", 1), ("rst", 1), ("sig", 1)],
    [("pulse", 1)],
    sequential(
        edge_step,
        0,
        [{"rst": 1, "sig": 0}] + rnd_seq(["sig"], 11, 10, 0.0),
        rnd_seq(["sig"], 12, 11),
    ),
    "module rising_edge(input clk, input rst, input sig, output reg pulse);\n"
    "  reg prev;\n  always @(posedge clk)\n"
    "    if (rst) begin prev <= 1'b0; pulse <= 1'b0; end\n"
    "    else begin pulse <= sig & ~prev; prev <= sig; end\nendmodule",
    difficulty=3,
    clock="clk",
)

if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("".join(json.dumps(t) + "\n" for t in TASKS))
    print(f"wrote {len(TASKS)} tasks to {OUT}")
