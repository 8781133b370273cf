"""Progress bars: in a log (stderr not a terminal) each finished step says count and time."""

from __future__ import annotations

import re

from forge.cli.progress import Bar


def test_bar_in_a_log_reports_count_and_seconds_once(capsys) -> None:
    bar = Bar("search gen 0: generating", 5)
    bar.update(2)
    bar.update(3)
    bar.finish()
    bar.finish()
    err = capsys.readouterr().err
    lines = re.findall(r"search gen 0: generating: (\d+)/(\d+) in (\d+\.\d)s", err)
    assert len(lines) == 1 and lines[0][:2] == ("5", "5")


def test_bar_finished_early_reports_the_count_reached(capsys) -> None:
    bar = Bar("training", 40)
    bar.update(12)
    bar.finish()
    assert "training: 12/40 in " in capsys.readouterr().err


def test_model_progress_in_a_log_writes_a_line_per_quarter(capsys) -> None:
    from forge.cli.progress import model_progress

    for done in range(0, 1001, 10):
        model_progress("pull smollm2-135m", done, 1000)
    lines = capsys.readouterr().err.splitlines()
    assert lines == [f"  pull smollm2-135m: {p}%" for p in (0, 25, 50, 75, 100)]
