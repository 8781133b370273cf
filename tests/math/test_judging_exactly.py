"""Verdicts judge exactly what was written (each case here was a false pass or a crash).

Closed-interval golds were read as tuples, so ``[a, b)``, ``(a, b)`` and ``{a, b}`` passed;
a bare expression fell back to its last number (``2^10`` passed for 10); ``nan`` and
``zoo`` were products of letters; the reported length of a long answer was the length
after a silent cut; long decimals of rationals failed while those of irrationals passed.
"""

from __future__ import annotations

import json

import pytest

from forge.errors import TaskFormatError
from forge_math.parser import parse_answer
from forge_math.shapes import infer_type
from forge_math.tasks import load_file, task_from_row


def _task(answer: str, **extra: object):
    return task_from_row({"problem": "p", "answer": answer, **extra}, "t:1", "t-1", "t")


def _verdict(domain, sandbox, answer: str, completion: str, **extra: object):
    task = _task(answer, **extra)
    verdict = domain.verify(task, domain.extract(completion), sandbox)
    return verdict, domain.feedback(task, verdict)


@pytest.mark.parametrize(
    ("reference", "kind"),
    [("[-3, 3]", "interval"), ("[1, 2, 3]", "tuple"), ("(7, 3)", "tuple"), ("{2, 3}", "set")],
)
def test_reference_shapes(reference: str, kind: str) -> None:
    assert infer_type(parse_answer(reference)) == kind


@pytest.mark.parametrize(
    ("completion", "status"),
    [
        ("Answer: [-3, 3]", "passed"),
        ("Answer: -3 <= x <= 3", "passed"),
        ("Answer: [-3, 3)", "failed"),
        ("Answer: (-3, 3)", "failed"),
        ("Answer: {-3, 3}", "failed"),
        ("Answer: -3, 3", "failed"),
    ],
)
def test_a_closed_interval_gold_needs_closed_brackets(domain, forge_sandbox, completion, status):
    verdict, feedback = _verdict(domain, forge_sandbox, "[-3, 3]", completion)
    assert verdict.status == status, feedback


@pytest.mark.parametrize(
    ("completion", "status"),
    [
        ("Answer: (7, 3)", "passed"),
        ("Answer: 7, 3", "passed"),
        ("Answer: {7, 3}", "failed"),
        ("Answer: [7, 3)", "failed"),
        ("Answer: (3, 7)", "failed"),
    ],
)
def test_a_tuple_gold_is_ordered_and_not_a_set(domain, forge_sandbox, completion, status):
    verdict, feedback = _verdict(domain, forge_sandbox, "(7, 3)", completion)
    assert verdict.status == status, feedback


@pytest.mark.parametrize(
    ("reference", "completion", "status"),
    [
        ("10", "2^10", "failed"),  # 1024, not its last number 10
        ("1", "x^2 + 1", "failed"),
        ("1", "the result is x^2 + 1.", "failed"),
        ("3", "so 3(x+1) I think", "failed"),
        ("1024", "2^10", "failed"),  # the value is right, but not computed ('value' form)
        ("1024", "2^10 = 1024", "passed"),  # a worked constant stands for its result
        ("7", "First 3 apples, then 4 more, so 7 in all", "passed"),
        ("12", "5 * 2 = 10 and 10 + 2 = 12", "passed"),
    ],
)
def test_a_bare_expression_is_never_judged_as_its_last_number(
    domain, forge_sandbox, reference, completion, status
):
    verdict, feedback = _verdict(domain, forge_sandbox, reference, completion)
    assert verdict.status == status, feedback


@pytest.mark.parametrize(
    "completion", ["Answer: nan", "Answer: NaN", "Answer: zoo", "Answer: 2*nan"]
)
def test_nan_and_zoo_are_not_finite_numbers(domain, forge_sandbox, completion) -> None:
    assert parse_answer(completion.split(": ")[1]).nodes[0] != ["mul", ["sym", "n"], ["sym", "a"]]
    verdict, feedback = _verdict(domain, forge_sandbox, "5", completion, form="any")
    assert verdict.status == "failed" and "is not a finite number" in feedback
    assert verdict.isolation == ()  # decided on the trusted side, sympy never asked


def test_a_nan_reference_is_a_task_error() -> None:
    with pytest.raises(TaskFormatError, match="t:1: reference answer 'nan' is not a finite"):
        _task("nan")


def test_the_reported_length_of_a_long_answer_is_its_real_length(domain, forge_sandbox):
    answer = "1+" * 2000 + "1"
    verdict, feedback = _verdict(domain, forge_sandbox, "5", f"Answer: {answer}")
    assert verdict.status == "rejected"
    assert f"answer is too long ({len(answer)} characters; the limit is 400)" in feedback


def test_an_overlong_completion_is_invalid_naming_the_cap(domain, forge_sandbox) -> None:
    verdict, feedback = _verdict(domain, forge_sandbox, "5", "Answer: 5\n" + "x" * 200_000)
    assert verdict.status == "invalid" and "100,000 characters" in feedback


@pytest.mark.parametrize(
    ("reference", "completion", "status"),
    [
        ("1/3", "0.3333333333333333", "passed"),  # a long decimal is an approximation
        ("1/3", "0.333", "failed"),  # a short decimal is an exact value
        ("1/3", "0.3333333", "failed"),
        ("pi", "3.14159265359", "passed"),
        ("pi", "3.14", "failed"),
        ("sqrt(2)", "1.41421", "failed"),
        ("0.3333333333", "1/3", "passed"),  # the gold itself is an approximation
        ("1099511627776", "1099511627775", "failed"),  # integers are exact, however large
        ("2/3", "0.6666666666666666", "passed"),
        ("2/3", "0.6666666666", "passed"),  # 10 significant digits, within 1e-9
        ("2/3", "0.6666666", "failed"),
    ],
)
def test_one_rule_for_decimals(domain, forge_sandbox, reference, completion, status) -> None:
    verdict, feedback = _verdict(
        domain, forge_sandbox, reference, f"Answer: {completion}", form="any"
    )
    assert verdict.status == status, feedback


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"problem": "p", "answer": ' + "7" * 5000 + "}", "a number has too many digits"),
        ("[" * 100_000 + "]" * 100_000, "JSON nested more than 50 levels deep"),
        ('{"problem": "p", "answer": "5", "difficulty": "hard"}', "'difficulty' must be 1, 2 or 3"),
        ('{"problem": "p", "answer": "5", "id": {"a": 1}}', "'id' must be a string"),
        ('{"problem": "p", "answer": {"__tuple__": 5}}', "missing 'answer'"),
    ],
)
def test_odd_task_lines_are_one_line_errors(tmp_path, line: str, message: str) -> None:
    path = tmp_path / "tasks.jsonl"
    path.write_text(json.dumps({"problem": "q", "answer": "1"}) + "\n" + line + "\n")
    with pytest.raises(TaskFormatError) as info:
        load_file(path)
    text = info.value.one_line()
    assert text.startswith(f"{path}:2: ") and message in text and "\n" not in text, text


def test_a_whole_number_plus_a_name_is_judged_not_crashed(domain, forge_sandbox) -> None:
    """Found by the fuzz: ``1 + x`` for a number gold raised IndexError in the form check."""
    verdict, feedback = _verdict(domain, forge_sandbox, "5", "Answer: 1 + x")
    assert verdict.status == "failed" and "is not a final number" in feedback
