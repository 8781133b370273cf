"""Fixtures for the plugin tests: fresh virtual environments that plugins get installed into.

A fresh environment is a new ``venv`` whose only link to the outside is one ``.pth`` line
that adds this interpreter's site-packages (so forge and its dependencies import without
reinstalling MLX). Plugins are installed with the environment's own ``pip`` from their
source folders, offline, and the CLI is driven through the environment's ``forge``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"

_SHIMS = {
    "forge": "from forge.cli.main import main\nmain()\n",
    "pip": "from pip._internal.cli.main import main\nsys.exit(main())\n",
    "pytest": "import pytest\nsys.exit(pytest.console_main())\n",
}


@dataclass
class FreshVenv:
    """A throwaway virtual environment with ``forge``, ``pip`` and ``pytest`` on its PATH."""

    root: Path
    home: Path

    @property
    def bin(self) -> Path:
        """The folder holding the environment's executables."""
        return self.root / ("Scripts" if os.name == "nt" else "bin")

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """Return the environment variables commands in this venv run with (offline pip)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FORGE_", "PYTHON"))}
        env.update(
            PATH=f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}",
            VIRTUAL_ENV=str(self.root),
            FORGE_HOME=os.environ.get("FORGE_HOME", str(self.home)),
            PIP_NO_INDEX="1",
            PIP_NO_BUILD_ISOLATION="0",  # pip's spelling of --no-build-isolation
            PIP_DISABLE_PIP_VERSION_CHECK="1",
        )
        env.update(extra or {})
        return env

    def run(
        self,
        *args: str,
        cwd: Path | None = None,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``args`` (the first resolved in the venv's bin folder first) and capture output."""
        exe = self.bin / args[0]
        argv = [str(exe) if exe.exists() else args[0], *args[1:]]
        return subprocess.run(
            argv,
            cwd=cwd,
            input=input,
            env=self.env(env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def install(self, path: Path, editable: bool = False) -> None:
        """``pip install`` the project at ``path`` into this venv; fail the test with pip's output."""
        args = ["pip", "install", "-q", *(["-e"] if editable else []), str(path)]
        proc = self.run(*args)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def make_venv(root: Path) -> FreshVenv:
    """Create a fresh venv at ``root`` that sees this interpreter's packages, with shims."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    venv = FreshVenv(root=root, home=root / "forge-home")
    python = venv.bin / "python"
    purelib = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    parent = sysconfig.get_paths()["purelib"]
    (purelib / "_forge_parent.pth").write_text(f"import site; site.addsitedir({parent!r})\n")
    for name, body in _SHIMS.items():
        shim = venv.bin / name
        shim.write_text(f"#!{python}\nimport sys\n{body}")
        shim.chmod(0o755)
    return venv


@pytest.fixture
def fresh_venv(tmp_path: Path) -> Callable[[], FreshVenv]:
    """Factory for fresh venvs under this test's tmp_path."""
    counter = iter(range(100))
    return lambda: make_venv(tmp_path / f"venv{next(counter)}")


@pytest.fixture(scope="module")
def regex_venv(tmp_path_factory: pytest.TempPathFactory) -> FreshVenv:
    """One fresh venv per module with ``pip install ./examples/forge-regex`` done."""
    venv = make_venv(tmp_path_factory.mktemp("regex") / "venv")
    venv.install(REPO / "examples" / "forge-regex")
    return venv
