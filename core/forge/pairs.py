"""Training examples from what the search verified: weak->strong repair pairs and rehearsal.

A repair example's prompt is the domain's own repair prompt (task, weak artifact, its
feedback); its chosen answer is a stronger artifact for the same task and its rejected
answer the weak one. Rehearsal examples (a solved task's first-attempt prompt -> its
passing artifact) are mixed in so the model keeps answering directly. ``pairs.jsonl`` holds
them one per line; :func:`read_jsonl` reads it back for ``forge train``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path

from forge.domain import Domain, FeedbackStyle
from forge.errors import TaskFormatError, UsageError
from forge.search import TaskState
from forge.types import Attempt, TrainingExample


def repair_examples(
    domain: Domain,
    states: Sequence[TaskState],
    max_per_task: int,
    min_gain: float,
    style: FeedbackStyle = "specific",
) -> list[TrainingExample]:
    """Return up to ``max_per_task`` repair examples per task, weakest answers first.

    Each weak artifact appears at most once per task; the chosen answer is the task's best
    artifact (a passing one where the search found it). Tasks whose best artifact is no
    better than everything else give none.
    """
    out: list[TrainingExample] = []
    for state in states:
        strong = state.best()
        if strong is None or not strong.candidate.artifact:
            continue
        target = strong.candidate.artifact.strip()
        weak_seen: set[str] = set()
        weak = sorted(
            (
                a
                for a in state.attempts
                if a.candidate.artifact and strong.score - a.score >= min_gain
            ),
            key=lambda a: a.score,
        )
        for attempt in weak:
            art = (attempt.candidate.artifact or "").strip()
            if art in weak_seen or art == target:
                continue
            weak_seen.add(art)
            out.append(_repair(domain, state, attempt, strong, style))
            if len(weak_seen) >= max_per_task:
                break
    return out


def rehearsal_examples(
    domain: Domain, states: Sequence[TaskState], count: int, seed: int
) -> list[TrainingExample]:
    """Return up to ``count`` first-attempt prompt -> passing artifact examples, one per solved
    task, chosen at random with ``seed``."""
    solved = [s for s in states if (b := s.best()) is not None and b.verdict.public_ok]
    random.Random(seed).shuffle(solved)
    out = []
    for state in solved[:count]:
        top = state.best()
        assert top is not None and top.candidate.artifact
        out.append(
            TrainingExample(
                task_id=state.task.id,
                prompt=tuple(domain.build_prompt(state.task)),
                chosen=domain.format_artifact(top.candidate.artifact),
                chosen_score=top.score,
                kind="rehearsal",
            )
        )
    return out


def _repair(
    domain: Domain, state: TaskState, weak: Attempt, strong: Attempt, style: FeedbackStyle
) -> TrainingExample:
    weak_art = weak.candidate.artifact or ""
    prompt = domain.repair_prompt(state.task, weak_art, weak.verdict, style)
    return TrainingExample(
        task_id=state.task.id,
        prompt=tuple(prompt),
        chosen=domain.format_artifact(strong.candidate.artifact or ""),
        rejected=domain.format_artifact(weak_art),
        chosen_score=strong.score,
        rejected_score=weak.score,
        kind="repair",
    )


def write_jsonl(path: Path, examples: Sequence[TrainingExample]) -> None:
    """Write ``examples`` to ``path``, one JSON object per line (what ``forge train`` reads)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for example in examples:
            fh.write(json.dumps(example.to_dict()) + "\n")
    tmp.replace(path)


def read_jsonl(path: Path) -> list[TrainingExample]:
    """Return the examples in a ``pairs.jsonl`` file; raise a one-line error naming the line.

    Each line needs ``prompt`` (chat messages) and ``chosen`` (text); ``rejected``, the
    scores, ``kind`` and ``task_id`` are optional. Lines of forge 0.1 (``messages`` and
    ``target``) are read too.
    """
    if not path.is_file():
        raise UsageError(f"Pairs file '{path}' does not exist.", "Pass the pairs.jsonl of a run.")
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            out.append(_parse_line(line, f"{path}:{n}"))
    if not out:
        raise TaskFormatError(f"{path} holds no training examples.")
    return out


def _parse_line(line: str, where: str) -> TrainingExample:
    try:
        d = json.loads(line)
    except (ValueError, RecursionError) as exc:
        raise TaskFormatError(f"{where}: invalid JSON ({getattr(exc, 'msg', exc)}).") from None
    if not isinstance(d, dict):
        raise TaskFormatError(f"{where}: each line must be a JSON object.")
    prompt, chosen = d.get("prompt", d.get("messages")), d.get("chosen", d.get("target"))
    if not _is_chat(prompt) or not isinstance(chosen, str):
        raise TaskFormatError(
            f"{where}: each line needs 'prompt' (a list of chat messages) and 'chosen' (a string)."
        )
    rejected = d.get("rejected")
    kind = d.get("kind", "repair")
    if (
        rejected is not None
        and not isinstance(rejected, str)
        or kind not in ("repair", "rehearsal", "rft")
    ):
        raise TaskFormatError(
            f"{where}: 'rejected' must be a string and 'kind' one of repair, rehearsal, rft."
        )
    return TrainingExample(
        task_id=str(d.get("task_id", "")),
        prompt=tuple(prompt),  # type: ignore[arg-type]  # _is_chat checked it
        chosen=chosen,
        rejected=rejected,
        chosen_score=_score(d.get("chosen_score", d.get("strong_score", 1.0)), where),
        rejected_score=_score(d.get("rejected_score", d.get("weak_score", 0.0)), where),
        kind=kind,
    )


def _is_chat(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
        for m in value
    )


def _score(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TaskFormatError(f"{where}: scores must be numbers.")
    return float(value)
