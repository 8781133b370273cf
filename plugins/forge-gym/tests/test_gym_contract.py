"""The gym domain passes forge's own DomainContract, on one generator and on a YAML mixture."""

from __future__ import annotations

from pathlib import Path

from forge.testing import DomainContract

from forge_gym.sources import load_mixture

MIX = str(Path(__file__).parent / "fixtures" / "mix.yaml")
MIX_TASKS = {t.id: t for t in load_mixture(MIX)}


def _gold(task_id: str) -> str:
    return str(MIX_TASKS[task_id].data["answer"])


class TestGymChainSum(DomainContract):
    domain_name = "gym"
    tasks_source = "gym:chain_sum?size=3"
    min_tasks = 3
    # chain_sum@0 of reasoning-gym 0.1.25 is "1663 - 5242 - 9376 - 8961 + 7634 =".
    good_answers = [
        ("chain_sum@0", "1663 - 5242 = -3579, ... so the total is -14282.\nAnswer: -14282"),
        ("chain_sum@0", "<answer>-14282</answer>"),
    ]
    bad_answers = [
        ("chain_sum@0", "Answer: -14283"),  # off by one
        ("chain_sum@0", "Answer: minus fourteen thousand"),  # wrong form
        ("chain_sum@1", "Answer: -14282"),  # another item's answer
    ]


class TestGymMixture(DomainContract):
    domain_name = "gym"
    tasks_source = MIX
    min_tasks = 6
    good_answers = [
        (tid, f"Here it is.\n<answer>\n{_gold(tid)}\n</answer>") for tid in sorted(MIX_TASKS)
    ]
    bad_answers = [
        ("mini_sudoku@0", "<answer>\n1 2 3 4\n</answer>"),  # one row of four
        ("spell_backward@0", f"Answer: {_gold('spell_backward@0')}x"),
        ("chain_sum@0", "I am not sure."),
    ]
