"""Set answers: decide every candidate/reference pair, then match values one to one.

Each expected value is a case: passed when it is matched to an equal candidate value (maximum
bipartite matching, so ``{3, 2}`` answers ``{2, 3}``). Each candidate value left unmatched is a
failing case ("is not one of the expected values"). Identical candidate values count once.
"""

from __future__ import annotations

from typing import Any

from forge.types import CaseResult
from forge_math.decide import Decision, JobInfo, decide_pairs
from forge_math.render import render
from forge_math.shapes import Pair, Plan


def match(
    plan: Plan,
    sandbox: Any,
    tolerance: float | None,
    budget_s: float,
    reference: str,
    form: str | None = None,
) -> tuple[list[CaseResult], JobInfo, str]:
    """Return the cases of a set answer, the sandbox report, and the overall outcome."""
    cands, refs = plan.cand_items, plan.ref_items
    pairs = [Pair("expr", c, r) for c in cands for r in refs]
    decisions, info = decide_pairs(pairs, sandbox, tolerance, budget_s, form)
    grid = [[decisions[i * len(refs) + j] for j in range(len(refs))] for i in range(len(cands))]
    owner = _max_matching([[d.outcome == "equal" for d in row] for row in grid], len(refs))
    cases = []
    for j in range(len(refs)):
        ok = owner[j] is not None
        message = "" if ok else _missing_message([row[j] for row in grid])
        got = render(cands[owner[j]][0]) if ok else None
        cases.append(CaseResult(f"value {j + 1}", ok, expected=reference, got=got, message=message))
    matched = {i for i in owner if i is not None}
    for i, cand in enumerate(cands):
        if i not in matched:
            text = render(cand[0])
            message = f"your value {text} is not one of the expected values"
            cases.append(CaseResult(f"extra {text}", False, got=text, message=message))
    return cases, info, _outcome(cases, grid)


def _missing_message(column: list[Decision]) -> str:
    undecided = [d for d in column if d.outcome == "undecided"]
    if undecided:
        return undecided[0].message
    return "an expected value is missing from your answer"


def _outcome(cases: list[CaseResult], grid: list[list[Decision]]) -> str:
    if all(c.passed for c in cases):
        return "equal"
    flat = [d.outcome for row in grid for d in row]
    return "undecided" if "undecided" in flat else "differ"


def _max_matching(equal: list[list[bool]], n_refs: int) -> list[int | None]:
    """Return, for each reference index, the candidate index matched to it (or None)."""
    owner: list[int | None] = [None] * n_refs

    def augment(i: int, seen: set[int]) -> bool:
        for j in range(n_refs):
            if equal[i][j] and j not in seen:
                seen.add(j)
                if owner[j] is None or augment(owner[j], seen):  # type: ignore[arg-type]
                    owner[j] = i
                    return True
        return False

    for i in range(len(equal)):
        augment(i, set())
    return owner
