"""The verilog domain: the model writes a module, Icarus Verilog simulates it on test cases.

The domain declares the programs it runs (``executables``): forge finds them once, says in
``forge doctor`` whether they are installed, and lets this domain's sandboxed jobs execute
exactly those. A job writes the design and a generated test bench into its scratch
folder, compiles them with ``iverilog``, simulates with ``vvp`` and returns what was
printed; the comparison with the expected outputs happens here, on the trusted side.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from forge.domain import Domain, FeedbackStyle, score_only_feedback
from forge.programs import locate
from forge.types import CaseResult, Message, Task, Verdict

from forge_verilog import bench
from forge_verilog import tasks as task_file
from forge_verilog.extract import extract_verilog

RUNNER = "forge_verilog.runner:simulate"
COMPILE_S = 10.0  # iverilog takes ~50 ms on these designs; generous for a loaded machine
SIM_S = 2.0  # every bench ends after a few hundred ns of simulated time
MAX_OUTPUT = 256 << 10
INSTALL = (
    "install Icarus Verilog (Debian/Ubuntu: apt-get install iverilog; Fedora: dnf install "
    "iverilog; macOS: brew install icarus-verilog)"
)
# One worked example (not one of the tasks) shows the answer format: a whole module, fenced.
EXAMPLE_TASK = (
    "Write a Verilog module `and2`: a 2-input AND gate: y is a AND b.\n"
    "Ports: input a, input b, output y.\nExample 1: a=1 b=1 -> y=1"
)
EXAMPLE_ANSWER = "module and2(input a, input b, output y);\n  assign y = a & b;\nendmodule"
_JOB_TO_VERDICT = {"timeout": "timeout", "memory": "memory", "output_limit": "output_limit"}


def ivl_dir(iverilog: str | None) -> Path | None:
    """Return the folder of Icarus Verilog's helper programs (``ivlpp``, ``ivl``) for the
    ``iverilog`` at that path: ``<prefix>/lib/ivl``, ``lib64/ivl`` or ``lib/<arch>/ivl``."""
    if iverilog is None:
        return None
    prefix = Path(iverilog).resolve().parent.parent
    candidates = [prefix / "lib" / "ivl", prefix / "lib64" / "ivl", *prefix.glob("lib/*/ivl")]
    return next((d for d in candidates if (d / "ivl").is_file() and (d / "ivlpp").is_file()), None)


class VerilogDomain(Domain):
    """Write a Verilog module; it passes when its outputs match every case in simulation."""

    name = "verilog"
    version = "1"
    description = "Write a Verilog module; Icarus Verilog simulates it against test cases."
    system_prompt = (
        "You design digital circuits in Verilog. Reply with the complete module inside a "
        "```verilog code block."
    )

    def __init__(self) -> None:
        helpers = ivl_dir(locate("iverilog"))
        self.helpers = helpers
        # iverilog runs its preprocessor and compiler through /bin/sh (system()); vvp simulates.
        extra = ("/bin/sh", str(helpers / "ivlpp"), str(helpers / "ivl")) if helpers else ()
        self.executables = ("iverilog", "vvp", *extra)

    def prerequisites(self) -> list[str]:
        """Name what is missing, with how to install Icarus Verilog."""
        found = super().prerequisites()
        if not found and self.helpers is None:
            found = [f"Icarus Verilog's ivlpp and ivl were not found next to {locate('iverilog')}"]
        return [f"{problem}; {INSTALL}" for problem in found]

    def load_tasks(self, source: str | None) -> list[Task]:
        """Return the 14 built-in tasks (``source`` None) or the tasks in a JSONL file."""
        return task_file.load(source)

    def build_prompt(self, task: Task) -> list[Message]:
        """Return the system message, one worked example, and the task (module, ports, a
        few example cases)."""
        return [
            {"role": "system", "content": self.system_prompt},
            {"role": "user", "content": EXAMPLE_TASK},
            {"role": "assistant", "content": self.format_artifact(EXAMPLE_ANSWER)},
            {"role": "user", "content": task.prompt},
        ]

    def format_artifact(self, artifact: str) -> str:
        """Return the design fenced the way the prompt asks for it."""
        return f"```verilog\n{artifact.rstrip()}\n```"

    def answer_complete(self, text: str) -> bool:
        """True once a closed code block holds a whole module."""
        return text.count("```") >= 2 and "endmodule" in text

    def extract(self, text: str) -> str | None:
        """Return the Verilog in a completion (see :mod:`forge_verilog.extract`), or None."""
        return extract_verilog(text)

    def verify(self, task: Task, artifact: str | None, sandbox: Any) -> Verdict:
        """Simulate ``artifact`` against every case of ``task`` in the sandbox; never raises."""
        from forge.sandbox import Job, Limits

        if artifact is None:
            return Verdict("invalid", message="No Verilog module found. Use a ```verilog block.")
        data = task.data
        cases = [*data["cases"], *data["hidden"]]
        tag = "forge" + secrets.token_hex(8)
        source = bench.bench_source(
            data["module"], data["inputs"], data["outputs"], cases, tag, data["clock"]
        )
        payload = {
            "design": artifact,
            "bench": source,
            "iverilog": locate("iverilog"),
            "vvp": locate("vvp"),
            "compile_s": COMPILE_S,
            "sim_s": SIM_S,
            "max_output": MAX_OUTPUT,
        }
        wall = COMPILE_S + SIM_S + 3
        limits = Limits(wall_s=wall, cpu_s=wall, memory_mb=1024, read_paths=(str(self.helpers),))
        result = sandbox.run(Job(RUNNER, payload, limits))
        return _verdict(task, result, tag, len(data["cases"]))

    def feedback(self, task: Task, verdict: Verdict, style: FeedbackStyle = "specific") -> str:
        """Name the public cases that went wrong (inputs, expected, got), or why it did not run."""
        if style == "score-only":
            return score_only_feedback(verdict)
        if verdict.status not in ("passed", "failed"):
            return verdict.message or verdict.status
        wrong = [c.message for c in verdict.public if not c.passed]
        if wrong:
            more = [f"... and {len(wrong) - 5} more"] if len(wrong) > 5 else []
            return "\n".join(wrong[:5] + more)
        if verdict.status == "failed":
            return (
                "The design is right on every case shown but wrong on others. Implement the "
                "described behaviour, not just the examples."
            )
        return "Every case is right."


def _verdict(task: Task, result: Any, tag: str, public: int) -> Verdict:
    """Turn the sandbox's result into a verdict, comparing outputs on the trusted side."""
    common = {"duration_s": result.duration_s, "isolation": tuple(result.isolation)}
    if result.status != "ok":
        status = _JOB_TO_VERDICT.get(result.status, "error")
        return Verdict(status, message=result.message or result.status, **common)
    value = result.value if isinstance(result.value, dict) else {}
    if value.get("stage") == "compile":
        return Verdict("error", message=_compile_message(str(value.get("log", ""))), **common)
    end, stdout = value.get("end"), str(value.get("stdout", ""))
    if end == "timeout":
        why = "a combinational loop, or an always block without a delay or event?"
        return Verdict(
            "timeout", message=f"the simulation did not finish within {SIM_S}s ({why})", **common
        )
    if end == "output_limit":
        return Verdict(
            "output_limit", message="the design printed too much ($display in a loop?)", **common
        )
    data = task.data
    cases = [*data["cases"], *data["hidden"]]
    outputs, done = bench.read_outputs(stdout, tag, len(cases))
    if not done:
        how = "" if end == "finished" else f" ({end})"
        return Verdict(
            "error",
            message=f"the simulation stopped before the test bench finished{how}; the design "
            "must not call $finish or $stop",
            **common,
        )
    results = tuple(
        _case(i, case, got, data["clock"], hidden=i >= public)
        for i, (case, got) in enumerate(zip(cases, outputs, strict=True))
    )
    status = "passed" if all(c.passed for c in results) else "failed"
    return Verdict(status, cases=results, **common)


def _case(
    index: int, case: dict[str, Any], got: dict[str, str] | None, clock: str | None, hidden: bool
) -> CaseResult:
    """One case: the outputs the bench printed against the expected ones, with a feedback line."""
    shown = {name: bench.show_bits(got.get(name, "")) if got else "?" for name in case["out"]}
    wrong = [n for n, want in case["out"].items() if shown[n] != str(want)]
    where = (f"cycle {index + 1} " if clock else "") + f"inputs {bench.format_inputs(case['in'])}"
    message = ""
    if wrong:
        expected = ", ".join(f"{n}={case['out'][n]}" for n in wrong)
        message = f"{where}: expected {expected} got {', '.join(f'{n}={shown[n]}' for n in wrong)}"
    return CaseResult(
        name=where,
        passed=not wrong,
        input=dict(case["in"]),
        expected=dict(case["out"]),
        got=shown,
        message=message,
        hidden=hidden,
    )


def _compile_message(log: str) -> str:
    """Return the compiler's complaint in terms of the design (the bench's lines mean nothing
    to the model): ``design.v:3: syntax error``, ``the module has no port 'carry'``."""
    import re

    lines = []
    for line in log.splitlines():
        line = line.strip()
        port = re.search(r"port ``(\w+)'' is not a port of dut", line)
        if port:
            line = f"the module has no port '{port.group(1)}'"
        elif line.startswith("bench.v:"):
            line = line.split(":", 2)[-1].strip()
        if line and line not in ("I give up.", "") and line not in lines:
            lines.append(line)
    text = "\n".join(lines[:8]) or "the design does not compile"
    return f"compile error:\n{text}"
