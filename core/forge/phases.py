"""The phase table: every phase a run can have, its display names, and the plan built from config.

A phase is plain data. The session runs a plan (a tuple of phases) in order; the console,
the report, the charts and the docs all read their names and order from :data:`PHASES`, so a
phase is called the same everywhere. Phase names are what the run store and
``summary.json`` record, and what the ``phase_finished`` hook receives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from forge.errors import UsageError

if TYPE_CHECKING:
    from forge.config import RunConfig

PhaseKind = Literal["single", "search", "pairs", "train", "measure"]
PhaseTasks = Literal["all", "train", "eval"]
"""Which tasks a phase works on: ``all`` (training and held-out), ``train`` (training only:
a data collection), ``eval`` (held-out and transfer, plus training with ``measure.train``)."""


@dataclass(frozen=True)
class Phase:
    """One step of a run.

    ``name`` is the id stored in the run; ``title`` heads its console block; ``label`` is its
    short name in summaries and charts; ``kind`` picks the function that runs it;
    ``seed_from`` names the single pass whose greedy answers seed a search's generation 0;
    ``uses_adapter`` says whether it generates with the trained adapter; ``tasks`` says
    which tasks it works on (:data:`PhaseTasks`).
    """

    name: str
    title: str
    label: str
    kind: PhaseKind
    seed_from: str | None = None
    uses_adapter: bool = False
    tasks: PhaseTasks = "all"

    @property
    def measured(self) -> bool:
        """True for phases that generate and verify answers (and so have pass counts)."""
        return self.kind in ("single", "search")


PHASES: tuple[Phase, ...] = (
    Phase("before", "BEFORE: single pass (greedy)", "Before", "single"),
    Phase(
        "measure",
        "MEASURE: held-out and transfer tasks, greedy and sampled",
        "Measure",
        "measure",
        tasks="eval",
    ),
    Phase("search", "SEARCH: evolutionary search with feedback", "Search", "search", "before"),
    Phase(
        "collect",
        "COLLECT: samples and repairs on the training tasks",
        "Collect",
        "search",
        tasks="train",
    ),
    Phase("pairs", "PAIRS: training examples from what the search verified", "Pairs", "pairs"),
    Phase("train", "TRAIN: LoRA on the examples", "Train", "train"),
    Phase("after", "AFTER: single pass with the adapter", "After", "single", None, True),
    Phase(
        "after_search",
        "AFTER+SEARCH: search with the adapter",
        "After+search",
        "search",
        "after",
        True,
    ),
    Phase(
        "measure_after",
        "MEASURE AFTER: held-out and transfer tasks with the adapter",
        "Measure after",
        "measure",
        None,
        True,
        "eval",
    ),
)
"""Every phase, in the order a run takes them (``forge run`` takes :data:`RUN`)."""

RUN = ("before", "search", "pairs", "train", "after", "after_search")
"""The phases of ``forge run``, in order."""
COLLECTION = ("measure", "collect")
"""An experiment's shared work per seed: the base model measured, and the training data."""
ARM = ("pairs", "train", "measure_after")
"""An experiment arm's work per seed: examples from the shared collection, train, measure."""

BY_NAME = {p.name: p for p in PHASES}
MEASURED: tuple[Phase, ...] = tuple(p for p in PHASES if p.measured)
"""The phases with pass counts, in loop order (the rows of every summary)."""


def get(name: str) -> Phase:
    """Return the phase called ``name``; raise UsageError naming the known ones."""
    if name not in BY_NAME:
        raise UsageError(f"Unknown phase '{name}'.", f"Known phases: {', '.join(BY_NAME)}.")
    return BY_NAME[name]


def plan(config: RunConfig) -> tuple[Phase, ...]:
    """Return the phases ``forge run`` takes with ``config`` (``after_search: false`` drops one)."""
    return tuple(BY_NAME[n] for n in RUN if n != "after_search" or config.after_search)


def eval_plan(search: bool) -> tuple[Phase, ...]:
    """Return the phases ``forge eval`` takes: the greedy single pass, and the search if asked."""
    return (BY_NAME["before"], BY_NAME["search"]) if search else (BY_NAME["before"],)


def from_names(names: list[str]) -> tuple[Phase, ...]:
    """Return the phases a run recorded by name (its ``phase_list``), in that order."""
    return tuple(get(n) for n in names)


def label(name: str) -> str:
    """Return the short display name of phase ``name`` (the name itself if unknown)."""
    return BY_NAME[name].label if name in BY_NAME else name
