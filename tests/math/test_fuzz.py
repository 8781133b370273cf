"""Random answer text never makes the reader raise anything but AnswerError, or hang."""

from __future__ import annotations

import random
import time

from forge_math.errors import AnswerError
from forge_math.extract import answer_complete, extract_answer
from forge_math.parser import parse_answer

ALPHABET = list("0123456789.+-*/^!%=()[]{},;|<> xyzepi") + [
    "\\frac", "\\sqrt", "sqrt", "sin", "\\pi", "oo", "±", "√", "²", "½", "Answer:", "####",
    "\\boxed{", "}", "\n", "1e5", "_", "'", "\u202e", "\u200b", "１",
]  # fmt: skip


def test_random_text_is_read_or_refused_quickly() -> None:
    rng = random.Random(20261128)
    start = time.monotonic()
    for _ in range(3000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))
        try:
            parse_answer(text)
        except AnswerError:
            pass
        extract_answer(text)
        assert isinstance(answer_complete(text), bool)
    assert time.monotonic() - start < 10
