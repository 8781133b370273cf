"""Experiments: arms x seeds of real runs, measured on held-out and transfer tasks, with
bootstrap intervals (``forge experiment CONFIG.yaml``; see docs/experiments.md)."""
