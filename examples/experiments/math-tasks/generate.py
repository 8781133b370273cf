"""Write the procedurally generated math tasks of examples/experiments/math-measured.yaml.

Five training families (linear equations, two-step word problems, percentages, fraction
sums, expanding a product of two binomials) give ``train.jsonl`` (100 tasks) and
``heldout.jsonl`` (50 tasks) from disjoint random streams of the same distribution; the
transfer set ``transfer.jsonl`` (20 tasks) is a family never trained on (the roots of a
monic quadratic, a set answer). Every reference is computed here, exactly, and the math
domain checks answers against it with its own parser and sympy.

    python examples/experiments/math-tasks/generate.py   # rewrites the three files
"""

from __future__ import annotations

import json
import math
import random
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAMES = ["Tom", "Mia", "Ravi", "Ana", "Lee", "Sam", "Noor", "Ivan"]
THINGS = ["apples", "stickers", "marbles", "coins", "books", "shells"]


def linear(rng: random.Random) -> dict:
    """Solve a*x + b = c for an integer x."""
    a, x, b = rng.randint(2, 9), rng.randint(-9, 12), rng.randint(-20, 20)
    sign = "+" if b >= 0 else "-"
    return {"problem": f"Solve for x: {a}x {sign} {abs(b)} = {a * x + b}.", "answer": str(x)}


def word(rng: random.Random) -> dict:
    """Start with n things, give some away, get some more."""
    name, thing = rng.choice(NAMES), rng.choice(THINGS)
    n, give, more = rng.randint(10, 60), rng.randint(1, 9), rng.randint(2, 30)
    return {
        "problem": f"{name} has {n} {thing}. {name} gives away {give} and then gets {more} "
        f"more. How many {thing} does {name} have now?",
        "answer": str(n - give + more),
    }


def percent(rng: random.Random) -> dict:
    """p% of n, chosen so that the answer is a whole number."""
    p = rng.choice([10, 20, 25, 30, 40, 50, 60, 75])
    n = rng.randint(1, 20) * (100 // math.gcd(p, 100))
    return {"problem": f"What is {p}% of {n}?", "answer": str(p * n // 100)}


def fraction_sum(rng: random.Random) -> dict:
    """a/b + c/d in lowest terms."""
    b, d = rng.randint(2, 9), rng.randint(2, 9)
    a, c = rng.randint(1, b - 1), rng.randint(1, d - 1)
    total = Fraction(a, b) + Fraction(c, d)
    return {
        "problem": f"Compute {a}/{b} + {c}/{d} as a fraction in lowest terms.",
        "answer": str(total),
        "answer_type": "fraction",
    }


def expand(rng: random.Random) -> dict:
    """Expand (x + p)(x + q)."""
    p, q = rng.choice([i for i in range(-7, 8) if i]), rng.choice([i for i in range(-7, 8) if i])
    return {
        "problem": f"Expand (x {_signed(p)})(x {_signed(q)}).",
        "answer": _quadratic(p + q, p * q),
        "answer_type": "expression",
        "form": "expanded",
    }


def roots(rng: random.Random) -> dict:
    """The transfer family: both roots of a monic quadratic with integer roots."""
    r, s = rng.sample(range(-8, 9), 2)
    return {
        "problem": f"Solve {_quadratic(-(r + s), r * s)} = 0. Give all solutions.",
        "answer": "{" + f"{min(r, s)}, {max(r, s)}" + "}",
        "answer_type": "set",
    }


def _signed(v: int) -> str:
    return f"+ {v}" if v > 0 else f"- {-v}"


def _quadratic(b: int, c: int) -> str:
    """``x^2 + b x + c`` written as a student would: no zero terms, ``x`` for ``1x``."""
    linear = f" {_signed(b)}x".replace(" 1x", " x") if b else ""
    return f"x^2{linear}" + (f" {_signed(c)}" if c else "")


TRAIN_FAMILIES = [linear, word, percent, fraction_sum, expand]


def tasks(families, size: int, seed: int, prefix: str) -> list[dict]:
    """``size`` distinct tasks cycling through ``families``, drawn from stream ``seed``."""
    rng, seen, out = random.Random(seed), set(), []
    while len(out) < size:
        family = families[len(out) % len(families)]
        task = family(rng)
        if task["problem"] in seen:
            continue
        seen.add(task["problem"])
        out.append({"id": f"{prefix}-{family.__name__}-{len(out)}", **task})
    return out


def main() -> None:
    """Write train.jsonl, heldout.jsonl and transfer.jsonl next to this script."""
    train = tasks(TRAIN_FAMILIES, 100, seed=1, prefix="train")
    taken = {t["problem"] for t in train}
    heldout = [
        t for t in tasks(TRAIN_FAMILIES, 80, seed=2, prefix="heldout") if t["problem"] not in taken
    ][:50]
    transfer = tasks([roots], 20, seed=3, prefix="transfer")
    for name, rows in (("train", train), ("heldout", heldout), ("transfer", transfer)):
        with open(HERE / f"{name}.jsonl", "w") as f:
            for row in rows:
                f.write(json.dumps(row) + "\n")
        print(f"{name}.jsonl: {len(rows)} tasks")


if __name__ == "__main__":
    main()
