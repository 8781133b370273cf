"""Every code sample in docs/plugins runs, and the hook reference matches forge.hookspecs."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from forge import hookspecs
from tests.plugins.conftest import make_venv
from tests.plugins.docrunner import blocks, console_steps, matches, run_page

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs" / "plugins"
PAGES = sorted(p.name for p in DOCS.glob("*.md"))


def hook_specs() -> dict[str, inspect.Signature]:
    """Return every hookspec of forge.hookspecs by name."""
    return {
        name: inspect.signature(fn)
        for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(fn, "forge_spec")
    }


@pytest.mark.parametrize("page", PAGES)
def test_docs_page_runs(page, tmp_path):
    """Run every sample of the page in order, in a fresh venv, from an empty folder."""
    venv = make_venv(tmp_path / "venv")
    work = tmp_path / "work"
    work.mkdir()
    (work / "examples").symlink_to(REPO / "examples")  # as if run from a forge checkout
    ran = run_page(DOCS / page, work, venv.bin / "python", venv.env())
    assert ran >= 1, f"{page} has no tested samples"


def test_every_hook_is_documented_with_its_signature():
    """hooks.md has one heading per hookspec, written as the exact signature, and no others."""
    text = (DOCS / "hooks.md").read_text()
    headings = re.findall(r"^## (\w+\(.*\))\s*$", text, re.M)
    expected = [f"{name}({', '.join(sig.parameters)})" for name, sig in hook_specs().items()]
    assert sorted(headings) == sorted(expected)


def test_every_hook_section_has_a_tested_example():
    text = (DOCS / "hooks.md").read_text()
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    for section in sections:
        name = section.split("(")[0]
        samples = [b for b in blocks(section) if b.lang == "python" and b.marker != "no-test"]
        assert samples, f"hook {name} has no example"
        assert any(name in b.body for b in samples), name
        for word in ("Called", "Return"):
            assert word in section, f"hook {name} does not say '{word}...'"


def test_no_test_markers_are_rare():
    skipped = [
        (page, b.line)
        for page in PAGES
        for b in blocks((DOCS / page).read_text())
        if b.marker == "no-test"
    ]
    assert len(skipped) <= 3, skipped


def test_the_runner_matches_fragments_in_order():
    assert matches("a ... c", "x a b c y") is None
    assert matches("c ... a", "a b c") == "c ... a"
    assert matches("...\nb", "a\nb") is None
    assert console_steps("$ echo a \\\n  b\na b\n$ true\n") == [("echo a  b", "a b"), ("true", "")]
