"""Run reports: the console summary (``summary_lines``) and the HTML report (``render``)."""

from forge.report.console import phase_line, summary_lines
from forge.report.data import load_summary
from forge.report.html import render

__all__ = ["load_summary", "phase_line", "render", "summary_lines"]
