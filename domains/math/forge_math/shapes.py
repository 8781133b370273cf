"""Match the shape of a candidate answer to the reference: which values to compare with which.

Answer types: ``number`` and ``fraction`` (one value), ``expression`` (one value with names),
``equation`` (``lhs = rhs``; a bare value also answers ``x = value``), ``tuple`` (values in
order), ``set`` (values in any order; a bare list ``2, 3`` or ``x = 2 or x = 3`` is accepted),
``interval`` (``[a, b]``, ``[a, b)``, ...: brackets must match; ``oo`` endpoints compare
exactly). A tuple is written with ``( )``, ``[ ]`` or no brackets, never ``{ }`` or half-open
brackets; a set with ``{ }``, ``( )``, ``[ ]`` or none, never half-open brackets.
A candidate ``x = 3`` (or a worked constant ``12 + 7 = 19``) stands for the value on its right
wherever a value is expected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from forge_math.parser import Answer, Node

ANSWER_TYPES = ("number", "fraction", "expression", "equation", "tuple", "set", "interval")
INTERVAL_BRACKETS = ("()", "[]", "[)", "(]")


@dataclass(frozen=True)
class Pair:
    """One comparison: ``mode`` ``expr`` (nodes = [expr]) or ``eq`` (nodes = [lhs, rhs])."""

    mode: str
    cand: tuple[Node, ...]
    ref: tuple[Node, ...]


@dataclass(frozen=True)
class Slot:
    """One case of the verdict: equal when any alternative pair is equal, or a fixed outcome."""

    name: str
    alts: tuple[Pair, ...] = ()
    fixed: bool | None = None
    message: str = ""


@dataclass
class Plan:
    """What to compare. ``mismatch`` (non-empty) means the shapes differ: the answer fails.

    ``slots`` are compared in order; for sets, ``cand_items`` x ``ref_items`` are matched.
    """

    slots: list[Slot] = field(default_factory=list)
    cand_items: list[tuple[Node, ...]] = field(default_factory=list)
    ref_items: list[tuple[Node, ...]] = field(default_factory=list)
    is_set: bool = False
    mismatch: str = ""


def infer_type(ref: Answer) -> str:
    """Return the answer type a reference implies when a task does not name one."""
    if ref.kind == "eq":
        return "equation"
    if ref.kind == "list":
        if ref.brackets == "{}" or not ref.brackets:
            return "set"
        closed_pair = ref.brackets == "[]" and len(ref.items) == 2
        return "interval" if ref.brackets in ("[)", "(]") or closed_pair else "tuple"
    return "number" if not _has_names(ref.nodes[0]) else "expression"


def plan(cand: Answer, ref: Answer, answer_type: str) -> Plan:
    """Return the comparisons deciding whether ``cand`` answers ``ref`` of type ``answer_type``."""
    if answer_type in ("tuple", "set", "interval"):
        return _plan_list(cand, ref, answer_type)
    if answer_type == "equation":
        return _plan_equation(cand, ref)
    if cand.kind == "list":
        if len(cand.items) != 1:
            return Plan(mismatch=f"give one final value, not {len(cand.items)}")
        cand = cand.items[0]
    value = _value(cand)
    if value is None:
        return Plan(mismatch="give a value, not an equation")
    return Plan(slots=[Slot("answer", _alternatives(value, ref.nodes))])


def _plan_equation(cand: Answer, ref: Answer) -> Plan:
    if cand.kind == "eq":
        return Plan(slots=[Slot("answer", (Pair("eq", cand.nodes, ref.nodes),))])
    if cand.kind == "expr" and ref.nodes[0][0] == "sym":
        return Plan(slots=[Slot("answer", _alternatives(cand.nodes, ref.nodes[1:]))])
    return Plan(mismatch="give an equation such as y = 2x + 1")


def _plan_list(cand: Answer, ref: Answer, answer_type: str) -> Plan:
    items = list(cand.items) if cand.kind == "list" else [cand]
    values = [_value(item) for item in items]
    if any(v is None for v in values):
        return Plan(mismatch="give values, not equations")
    refs = [_value(item) or item.nodes for item in ref.items]
    wrong = _wrong_brackets(cand, answer_type)
    if wrong:
        return Plan(mismatch=wrong)
    if answer_type == "set":
        unique = list({repr(v): v for v in values}.values())
        return Plan(cand_items=unique, ref_items=refs, is_set=True)  # type: ignore[arg-type]
    if len(values) != len(refs):
        what = "an interval like [a, b)" if answer_type == "interval" else f"{len(refs)} values"
        got = f"{len(values)} value{'s' if len(values) != 1 else ''}"
        return Plan(mismatch=f"expected {what} in order; your answer has {got}")
    slots = []
    if answer_type == "interval":
        if cand.brackets not in INTERVAL_BRACKETS:
            return Plan(mismatch="write the interval with brackets, like [a, b) or (a, b]")
        ok = cand.brackets == ref.brackets
        slots.append(Slot("endpoints", fixed=ok, message="check which endpoints are included"))
    for k, (v, r) in enumerate(zip(values, refs, strict=True)):
        name = (
            ("left endpoint", "right endpoint")[k] if answer_type == "interval" else f"item {k + 1}"
        )
        slots.append(_infinite_slot(name, v, r) or Slot(name, _alternatives(v, r)))  # type: ignore[arg-type]
    return Plan(slots=slots)


def _wrong_brackets(cand: Answer, answer_type: str) -> str:
    """Say why ``cand``'s brackets cannot write an ``answer_type`` value, or ''."""
    brackets = cand.brackets if cand.kind == "list" else ""
    if answer_type == "tuple" and brackets in ("{}", "[)", "(]"):
        return "write the values in order as a tuple, like (a, b), not as a set or an interval"
    if answer_type == "set" and brackets in ("[)", "(]"):
        return "write the values as a set, like {a, b}, not as an interval"
    return ""


def _value(item: Answer) -> tuple[Node, ...] | None:
    """Return the value nodes an item stands for, or None for a real equation.

    ``x = 3`` stands for 3, and a worked constant ``12 + 7 = 19`` for its result 19;
    ``x + 1 = 3`` is an equation, not a value.
    """
    if item.kind == "expr":
        return item.nodes
    lhs = item.nodes[0]
    if item.kind == "eq" and (lhs[0] == "sym" or not _has_names(lhs)):
        return item.nodes[1:]
    return None


def _alternatives(cand: tuple[Node, ...], ref: tuple[Node, ...]) -> tuple[Pair, ...]:
    """One pair, plus a second when exactly one side is a percentage (``50%`` answers ``50``)."""
    first = Pair("expr", tuple(cand), tuple(ref))
    c, r = cand[0], ref[0]
    if (c[0] == "pct") != (r[0] == "pct"):
        strip = (c[1] if c[0] == "pct" else c,), (r[1] if r[0] == "pct" else r,)
        return first, Pair("expr", *strip)
    return (first,)


def _infinite_slot(name: str, cand: tuple[Node, ...], ref: tuple[Node, ...]) -> Slot | None:
    """Compare infinite endpoints by sign, exactly; None when neither side is infinite."""
    c, r = _infinity(cand[0]), _infinity(ref[0])
    if not c and not r:
        return None
    return Slot(name, fixed=c == r, message=f"the {name} is wrong")


def _infinity(node: Node) -> int:
    if node == ["const", "oo"]:
        return 1
    if node[0] == "neg":
        return -_infinity(node[1])
    return 0


def _has_names(node: Any) -> bool:
    if not isinstance(node, list):
        return False
    return node[0] == "sym" or any(_has_names(x) for x in node[1:])
