"""The math domain passes forge's DomainContract (loaded through the plugin manager)."""

from __future__ import annotations

from forge.testing import DomainContract


class TestMathDomain(DomainContract):
    domain_name = "math"
    min_tasks = 30
    good_answers = [
        ("arith-apples", "12 - 5 + 8 = 15.\nAnswer: 15"),
        ("frac-add", "1/3 + 1/4 = 4/12 + 3/12 = 7/12\nAnswer: 7/12"),
        ("simp-expand", "Answer: x^2 + 6x + 9"),
        ("roots-quadratic", "(x-2)(x-3)=0 so x = 2 or x = 3.\nAnswer: 3, 2"),
        ("alg-system", "#### (7, 3)"),
    ]
    bad_answers = [
        ("arith-apples", "Answer: 16"),
        ("frac-add", "Answer: 2/7"),
        ("simp-expand", "Answer: x^2 + 9"),
        ("roots-quadratic", "Answer: 2"),
        ("arith-apples", "Answer: __import__('os').system('true')"),
        ("arith-apples", "I am not sure."),
    ]
