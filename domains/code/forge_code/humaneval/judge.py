"""Trusted side of HumanEval re-checks: send a candidate's outputs to the judge runner.

Used by :mod:`forge_code.verify` for grouped cases (loops, tolerances, helper functions)
whose outputs differ from the reference's. The judge runs trusted test code in the sandbox
with the outputs as plain data; the candidate's code is not involved.
"""

from __future__ import annotations

from typing import Any

from forge_code.plaindata import from_json

JUDGE_RUNNER = "forge_code.humaneval.replay:judge"
JUDGE_WALL_S = 5.0


def judge_groups(
    task: Any, pending: dict[int, tuple[int, Any, list[Any]]], sandbox: Any
) -> dict[int, tuple[bool, int, str]]:
    """Return ``{group: (passed, calls used, message)}`` for every pending group.

    ``pending`` maps a group (statement index) to ``(slot, case spec, candidate outputs)``.
    A judge that cannot run fails every pending group with the reason.
    """
    from forge.sandbox import Job, Limits

    info = task.data["judge"]
    calls = [[args, out] for args, out in from_json(info["calls"])]
    for group, (_, _, outputs) in pending.items():
        start = group_start(info, group)
        for k, out in enumerate(outputs):
            calls[start + k][1] = out
    payload = {
        "module": info["module"],
        "statements": list(info["statements"]),
        "closes": list(info["closes"]),
        "bounds": list(info["bounds"]),
        "calls": calls,
        "groups": sorted(pending),
    }
    limits = Limits(wall_s=JUDGE_WALL_S, cpu_s=JUDGE_WALL_S + 1.0, memory_mb=1024)
    result = sandbox.run(Job(runner=JUDGE_RUNNER, payload=payload, limits=limits))
    return parse_report(result, sorted(pending))


def group_start(info: Any, group: int) -> int:
    """Return the index of the first call belonging to ``group`` (statement index)."""
    ends = [info["bounds"][k] for k in range(group) if info["closes"][k]]
    return ends[-1] if ends else 0


def parse_report(result: Any, groups: list[int]) -> dict[int, tuple[bool, int, str]]:
    """Read the judge's JobResult; anything unexpected fails the groups with a reason."""
    failed = {g: (False, 0, f"the check could not be re-run: {result.message}") for g in groups}
    if result.status != "ok" or type(result.value) is not dict:
        return failed
    report = result.value.get("groups")
    out: dict[int, tuple[bool, int, str]] = {}
    for g in groups:
        entry = report.get(str(g)) if type(report) is dict else None
        if type(entry) is not list or len(entry) != 3:
            out[g] = failed[g]
        else:
            used = entry[1] if type(entry[1]) is int else 0
            out[g] = (entry[0] is True, used, str(entry[2]))
    return out
