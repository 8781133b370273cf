"""The HTML report: self-contained, real charts, per-task rows, hostile text escaped."""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path

import pytest

from forge.errors import StoreError
from forge.report import render
from forge.report.charts import best_by_generation
from forge.report.data import load_run
from forge.store import RunStore
from forge.types import Attempt, Candidate, Task
from tests.report.synth import HOSTILE, PLAN, SUMMARY, stats, verdict, write_store

CHARTS = (
    "Tasks solved by phase",
    "Search: best score by generation",
    "After+search: best score by generation",
    "Training loss",
    "Time per phase",
    "Verdicts of all candidates",
)


def _svgs(html: str) -> dict[str, str]:
    """Return each chart's ``<svg>`` element by its aria-label."""
    found = re.findall(r'<svg class="chart"[^>]*aria-label="([^"]*)".*?</svg>', html, re.S)
    bodies = re.findall(r'<svg class="chart".*?</svg>', html, re.S)
    return dict(zip(found, bodies, strict=True))


def test_render_writes_self_contained_file(run_dir: Path) -> None:
    path = render(run_dir)
    assert path == run_dir / "report.html" and path.is_file()
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert not re.search(r"<script|<link|<iframe|@import|url\(", html, re.I)
    assert "http" not in html  # inline SVG needs no namespace URL either
    assert "20261128-0112-code-ab12" in html and "smollm2-135m" in html
    assert "runs/20261128-0112-code-ab12/adapter" in html
    assert "search.population_size=6" in html


def test_one_svg_per_chart_with_real_marks(run_dir: Path) -> None:
    charts = _svgs(render(run_dir).read_text(encoding="utf-8"))
    assert set(charts) == set(CHARTS)
    bars = charts["Tasks solved by phase"]
    assert bars.count("<rect") >= 7 + 2  # 7 phase results (held-out search not run) + legend
    assert ">4/5<" in bars and ">2/3<" in bars
    loss = re.search(r'<polyline points="([^"]+)"', charts["Training loss"])
    assert loss and len(loss.group(1).split()) == 20
    # one thin line per task with search candidates plus a mean line
    assert charts["Search: best score by generation"].count("<polyline") == 4 + 1
    assert charts["Time per phase"].count("<rect") == 6
    assert ">passed<" in charts["Verdicts of all candidates"]


def test_per_task_rows(run_dir: Path) -> None:
    html = render(run_dir).read_text(encoding="utf-8")
    assert html.count('<tr class="task ') == len(PLAN)
    for task_id in PLAN:
        assert f'<td class="tid">{task_id}</td>' in html
    # fizzbuzz: search solved it in generation 1 (hidden tests 2/2), after passed too
    row = re.search(r'<td class="tid">fizzbuzz</td>.*?</tr>', html, re.S).group(0)
    assert "failed 2/4 · hidden 1/2" in row and "solved at gen 1" in row
    assert "passed 4/4 · hidden 2/2" in row


def test_hostile_artifact_is_escaped(run_dir: Path) -> None:
    html = render(run_dir).read_text(encoding="utf-8")
    assert HOSTILE not in html
    assert "<script" not in html
    assert escape(HOSTILE) in html
    assert "got None &lt;b&gt;" in html  # feedback is escaped too


def test_hostile_names_and_huge_artifacts(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "forge.db")
    evil = '<img src=x onerror="alert(1)">'
    store.save_tasks([Task(evil, "code", evil)], [])
    huge = "x = 1\n" * 5 + "y" * 100_000 + "\x00\x1b[31m"
    rows = [Attempt(Candidate("c1", evil, huge, huge, 0, None, "before"), verdict(0, 2), 0.0, evil)]
    store.commit_unit("before", evil, rows)
    store.close()
    summary = {"run_id": evil, "model": {"name": evil}, "config": {"tasks": {"source": evil}}}
    (tmp_path / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    html = render(tmp_path).read_text(encoding="utf-8")
    assert "<img" not in html and escape(evil) in html
    assert "more characters not shown" in html
    assert len(html) < 60_000
    assert "\x00" not in html and "\x1b" not in html


def test_run_stopped_after_before_without_summary(tmp_path: Path) -> None:
    write_store(tmp_path, last_phase="before")
    html = render(tmp_path).read_text(encoding="utf-8")
    assert "interrupted run" in html
    charts = _svgs(html)
    assert set(charts) == set(CHARTS)
    assert ">1/4<" in charts["Tasks solved by phase"] and ">1/2<" in charts["Tasks solved by phase"]
    assert "Search phase not run" in charts["Search: best score by generation"]
    assert "no training in this run" in charts["Training loss"]
    assert html.count('<tr class="task ') == len(PLAN)


def test_run_stopped_after_before_with_partial_summary(tmp_path: Path) -> None:
    write_store(tmp_path, last_phase="before")
    summary = {"run_id": "r1", "phases": {"before": stats(1, 4), "search": None}, "heldout": None}
    (tmp_path / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    html = render(tmp_path).read_text(encoding="utf-8")
    assert "interrupted run" not in html and "forge run <code>r1</code>" in html
    assert "After not run" in html


def test_summary_only_run_folder(tmp_path: Path) -> None:
    (tmp_path / "summary.json").write_text(json.dumps(SUMMARY), encoding="utf-8")
    html = render(tmp_path).read_text(encoding="utf-8")
    assert "No task results stored" in html and len(_svgs(html)) == len(CHARTS)


def test_not_a_run_folder(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is not a forge run folder"):
        render(tmp_path)
    assert not (tmp_path / "forge.db").exists()


def test_derived_summary_counts_tasks_on_hidden_tests(tmp_path: Path) -> None:
    write_store(tmp_path)
    s = load_run(tmp_path).summary
    solved = {k: (v or {}).get("passed") for k, v in s["phases"].items()}
    assert solved == {"before": 1, "search": 2, "after": 2, "after_search": 3}
    assert s["heldout"]["search"] is None
    assert (s["heldout"]["before"]["passed"], s["heldout"]["after_search"]["passed"]) == (1, 2)
    assert s["pairs"] == {"repair": 2, "rehearsal": 1}
    assert s["train"] == {"iters": 20, "first_loss": pytest.approx(1.94), "final_loss": 0.8}


def test_best_score_carries_forward(tmp_path: Path) -> None:
    write_store(tmp_path)
    tasks = {t.id: t for t in load_run(tmp_path).tasks}
    assert best_by_generation(tasks["vowels"], "search", 2) == [(0, 0.5), (1, 0.5), (2, 0.75)]
    assert best_by_generation(tasks["add"], "search", 2) == [(0, 1.0), (1, 1.0), (2, 1.0)]
    assert best_by_generation(tasks["reverse"], "search", 2) == []
