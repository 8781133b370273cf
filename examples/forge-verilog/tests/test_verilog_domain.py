"""Tests for forge-verilog: forge's DomainContract plus what is specific to simulation.

Run with ``pytest`` after ``pip install -e '.[test]'``. They need Icarus Verilog
(``iverilog``, ``vvp``): without it every test that simulates is skipped, saying so, and
with ``CI=true`` it fails instead (a CI machine must have it).
"""

from __future__ import annotations

import os
import time

import pytest
from forge.testing import DomainContract
from forge.types import Task

from forge_verilog.domain import VerilogDomain

HALF_ADDER_OR = (
    "module half_adder(input a, input b, output sum, output carry);\n"
    "  assign sum = a | b;\n  assign carry = a & b;\nendmodule\n"
)
SATURATING = (
    "module counter4(input clk, input rst, input en, output reg [3:0] count);\n"
    "  always @(posedge clk)\n    if (rst) count <= 0;\n"
    "    else if (en && count != 15) count <= count + 1;\nendmodule\n"
)


class TestVerilogContract(DomainContract):
    """forge's contract: identity, tasks, prompts, good answers pass, bad ones fail with feedback."""

    domain_name = "verilog"
    min_tasks = 10
    good_answers = [
        (
            "mux2",
            "```verilog\nmodule mux2(input a, b, sel, output y);\n  assign y = sel ? b : a;\nendmodule\n```",
        ),
        (
            "counter4",
            "Here it is:\n```verilog\n" + SATURATING.replace("&& count != 15", "") + "```",
        ),
    ]
    bad_answers = [
        ("half-adder", HALF_ADDER_OR),  # wrong logic
        (
            "mux2",
            "```verilog\nmodule mux2(input a, input b, output y);\nendmodule\n```",
        ),  # a port missing
        ("mux2", "```verilog\nmodule mux2(input a b sel, output y)\nendmodule\n```"),  # syntax
    ]


@pytest.fixture(scope="module")
def domain() -> VerilogDomain:
    return VerilogDomain()


@pytest.fixture(scope="module")
def tasks(domain):
    return {t.id: t for t in domain.load_tasks(None)}


@pytest.fixture(scope="module")
def sim(domain, forge_sandbox):
    """The sandbox forge gives this domain (its program profile); skipped without iverilog."""
    from forge.verifiers import sandbox_for

    missing = domain.prerequisites()
    if missing:
        reason = f"Icarus Verilog is not installed here: {'; '.join(missing)}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: it must be installed)", pytrace=False)
        pytest.skip(reason)
    return sandbox_for(domain, forge_sandbox)


def _task(tasks, task_id: str, **data) -> Task:
    base = tasks[task_id]
    return Task(base.id, base.domain, base.prompt, data={**base.data, **data})


def test_every_reference_design_passes_every_case(domain, tasks, sim):
    """The shipped tasks are solvable and their expected values agree with real simulation."""
    assert len(tasks) == 14
    for task in tasks.values():
        verdict = domain.verify(task, task.data["reference"], sim)
        assert verdict.status == "passed", (task.id, verdict.message)
        assert verdict.total == len(task.data["cases"])


def test_feedback_names_inputs_expected_and_got(domain, tasks, sim):
    verdict = domain.verify(tasks["half-adder"], HALF_ADDER_OR, sim)
    assert verdict.status == "failed" and (verdict.passed, verdict.total) == (3, 4)
    assert (
        domain.feedback(tasks["half-adder"], verdict) == "inputs a=1 b=1: expected sum=0 got sum=1"
    )


def test_sequential_feedback_names_the_cycle(domain, tasks, sim):
    sticky = SATURATING.replace("else if (en && count != 15)", "else if (en && !count[2])")
    verdict = domain.verify(tasks["counter4"], sticky, sim)
    assert verdict.status == "failed"
    lines = domain.feedback(tasks["counter4"], verdict).splitlines()
    assert lines[0] == "cycle 6 inputs rst=0 en=1: expected count=5 got count=4"


def test_hidden_cases_catch_a_design_that_fits_only_the_examples(domain, tasks, sim):
    """A counter that stops at 15 is right on every public cycle; hidden ones count past 15."""
    verdict = domain.verify(tasks["counter4"], SATURATING, sim)
    assert verdict.public_ok and verdict.status == "failed"
    assert verdict.headline()[0] < verdict.headline()[1]
    text = domain.feedback(tasks["counter4"], verdict)
    assert text.startswith("The design is right on every case shown but wrong on others.")
    assert "cycle 2" not in text and "count=" not in text  # nothing hidden is shown


@pytest.mark.parametrize(
    "body",
    [
        "initial begin while (1) begin end end",  # never lets time advance
        "integer i; initial for (i = 0; i >= 0; i = i + 0) ;",  # a loop that never ends
    ],
)
def test_a_simulation_that_never_finishes_is_a_timeout(domain, tasks, sim, body):
    design = f"module mux2(input a, input b, input sel, output y);\n  {body}\n  assign y = sel ? b : a;\nendmodule\n"
    start = time.monotonic()
    verdict = domain.verify(tasks["mux2"], design, sim)
    assert verdict.status == "timeout", verdict
    assert verdict.message.startswith("the simulation did not finish within 2.0s")
    assert time.monotonic() - start < 15


def test_a_flood_of_output_is_an_output_limit(domain, tasks, sim):
    design = (
        "module mux2(input a, input b, input sel, output y);\n  integer i;\n"
        '  initial for (i = 0; i < 100000000; i = i + 1) $display("spam spam spam");\n'
        "  assign y = sel ? b : a;\nendmodule\n"
    )
    verdict = domain.verify(tasks["mux2"], design, sim)
    assert verdict.status == "output_limit"


def test_finishing_early_is_reported_not_scored(domain, tasks, sim):
    design = "module mux2(input a, input b, input sel, output y);\n  initial #2 $finish;\n  assign y = sel ? b : a;\nendmodule\n"
    verdict = domain.verify(tasks["mux2"], design, sim)
    assert verdict.status == "error"
    assert "must not call $finish or $stop" in verdict.message


def test_compile_errors_speak_of_the_design(domain, tasks, sim):
    missing_port = domain.verify(
        tasks["half-adder"], "module half_adder(input a, input b, output sum);\nendmodule\n", sim
    )
    assert missing_port.status == "error"
    assert missing_port.message.startswith("compile error:\nthe module has no port 'carry'")
    syntax = domain.verify(
        tasks["mux2"],
        "module mux2(input a, input b, input sel, output y)\n  assign y = a;\nendmodule\n",
        sim,
    )
    assert syntax.message.startswith("compile error:\ndesign.v:2: syntax error")
    wrong_name = domain.verify(tasks["mux2"], "module mux(input a);\nendmodule\n", sim)
    assert "Unknown module type: mux2" in wrong_name.message


def test_printed_lines_cannot_pose_as_the_bench(domain, tasks, sim):
    """The design prints result lines (guessing the format) and reads the bench's files;
    neither makes a design without logic pass."""
    design = (
        "module half_adder(input a, input b, output sum, output carry);\n"
        "  integer f, i; reg [8*200:1] line;\n"
        '  initial begin\n    for (i = 0; i < 4; i = i + 1) $display("forge %0d sum=0 carry=0", i);\n'
        '    f = $fopen("bench.v", "r");\n    if (f) while ($fgets(line, f)) $display("%0s", line);\n'
        '    f = $fopen("/dev/stdin", "r");\n    if (f) while ($fgets(line, f)) $display("%0s", line);\n'
        "  end\nendmodule\n"
    )
    verdict = domain.verify(tasks["half-adder"], design, sim)
    assert verdict.status == "failed"
    assert verdict.passed == 0


def test_a_design_cannot_write_outside_its_scratch_folder(domain, tasks, sim, tmp_path):
    target = tmp_path / "written-by-a-design.txt"
    design = (
        "module mux2(input a, input b, input sel, output y);\n  integer f;\n"
        f'  initial begin f = $fopen("{target}", "w"); $fdisplay(f, "pwned"); $fclose(f); end\n'
        "  assign y = sel ? b : a;\nendmodule\n"
    )
    domain.verify(tasks["mux2"], design, sim)
    assert not target.exists()


def test_verdicts_record_the_program_profile(domain, tasks, sim):
    verdict = domain.verify(tasks["mux2"], tasks["mux2"].data["reference"], sim)
    assert "programs" in verdict.isolation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("```verilog\nmodule m; endmodule\n```", "module m; endmodule\n"),
        (
            "Sure!\n```systemverilog\nmodule m(input a); endmodule\n```\nDone.",
            "module m(input a); endmodule\n",
        ),
        ("```\nmodule m; endmodule\n```", "module m; endmodule\n"),
        (
            "module a; endmodule\ntext\nmodule b; endmodule",
            "module a; endmodule\n\nmodule b; endmodule\n",
        ),
        ("```python\nprint(1)\n```", None),
        ("I cannot do that.", None),
        ("```verilog\nmodule m;\n", None),  # no endmodule
    ],
)
def test_extract(domain, text, expected):
    assert domain.extract(text) == expected


def test_prompt_lists_ports_and_examples(domain, tasks):
    messages = domain.build_prompt(tasks["adder4"])
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[2]["content"].startswith("```verilog\nmodule and2(")
    prompt = messages[-1]["content"]
    assert "Ports: input [3:0] a, input [3:0] b, output [4:0] sum." in prompt
    assert prompt.count("Example ") == 4
    assert (
        "outputs are checked just after each rising edge"
        in domain.build_prompt(tasks["dff-reset"])[-1]["content"]
    )


def test_task_file_errors_name_the_line(domain, tmp_path):
    from forge.errors import TaskFormatError

    path = tmp_path / "tasks.jsonl"
    good = '{"id": "a", "module": "m", "description": "d", "inputs": [["x", 1]], "outputs": [["y", 1]], "cases": [{"in": {"x": 0}, "out": {"y": 0}}]}'
    path.write_text(
        good + "\n" + good.replace('"x": 0}, "out"', '"z": 0}, "out"').replace('"a"', '"b"') + "\n"
    )
    with pytest.raises(TaskFormatError, match=r"tasks.jsonl:2: cases\[0\] needs 'in' with x"):
        domain.load_tasks(str(path))
    path.write_text(good.replace('"module": "m"', '"module": "m; evil"') + "\n")
    with pytest.raises(TaskFormatError, match="is not a Verilog identifier"):
        domain.load_tasks(str(path))


def test_prerequisites_say_how_to_install(domain, monkeypatch):
    import forge.programs as programs

    monkeypatch.setattr(programs, "_found", {"iverilog": None, "vvp": None})
    lines = VerilogDomain().prerequisites()
    assert lines[0].startswith(
        "the program 'iverilog' is not installed (not found on PATH); install Icarus Verilog"
    )
    assert "apt-get install iverilog" in lines[0] and "brew install icarus-verilog" in lines[0]
