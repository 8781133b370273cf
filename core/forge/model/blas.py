"""Put an optimized BLAS under MLX on Linux CPU, before MLX is first imported.

The Linux ``mlx[cpu]`` wheel bundles a reference BLAS (about 5 GFLOP/s for a float32 matmul).
``libmlx.so`` resolves ``cblas_sgemm`` and friends by symbol name, so an optimized BLAS that
exports the standard names and is loaded first into the global symbol scope takes over
(OpenBLAS made the same matmul ~30x faster). This module finds such a library and loads it with
``RTLD_GLOBAL``; it must run before the first ``import mlx.core``. It imports no MLX itself.

On macOS nothing is needed: MLX uses Metal and Accelerate. ``FORGE_BLAS`` overrides the search:
a path to a shared library, or ``off`` to keep the bundled BLAS.
"""

from __future__ import annotations

import ctypes
import os
import platform
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Library names that export the standard cblas_* symbols, best first.
_NAMES = (
    "libopenblas.so.0",
    "libopenblasp.so.0",  # Fedora/RHEL pthread build
    "libopenblaso.so.0",  # Fedora/RHEL OpenMP build
    "libopenblas.so",
    "libmkl_rt.so.2",
    "libmkl_rt.so",
)
_DIRS = (
    "/usr/lib/{arch}-linux-gnu",
    "/usr/lib/{arch}-linux-gnu/openblas-pthread",
    "/usr/lib/{arch}-linux-gnu/openblas-openmp",
    "/usr/lib64",
    "/usr/lib",
    "/usr/local/lib",
    "/lib/{arch}-linux-gnu",
)
INSTALL_HINT = (
    "Install OpenBLAS: `apt-get install libopenblas0-pthread` (Debian/Ubuntu), "
    "`dnf install openblas` (Fedora), or `conda install openblas`; or set FORGE_BLAS=/path/to/lib."
)


@dataclass(frozen=True)
class BlasStatus:
    """What :func:`ensure_fast_blas` did: ``kind`` is "accelerate", "openblas", "mkl",
    "custom", "bundled" (the slow reference BLAS) or "not needed"; ``path`` the library loaded."""

    kind: str
    path: str = ""
    note: str = ""

    @property
    def fast(self) -> bool:
        """True when matmuls run on an optimized BLAS (or the platform does not need one)."""
        return self.kind != "bundled"


_STATUS: BlasStatus | None = None


def _candidates() -> list[str]:
    """Return library paths to try, in order: FORGE_BLAS, the env prefix, system dirs, ldconfig."""
    arch = platform.machine()
    found: list[str] = []
    for prefix in {sys.prefix, os.environ.get("CONDA_PREFIX", "")} - {""}:
        found += [str(Path(prefix, "lib", n)) for n in _NAMES]
    for d in _DIRS:
        found += [str(Path(d.format(arch=arch), n)) for n in _NAMES]
    return [p for p in dict.fromkeys(found) if Path(p).exists()]


def _search() -> Iterator[str]:
    """Yield candidate paths lazily: the cheap fixed locations first, then ldconfig."""
    yield from _candidates()
    yield from _from_ldconfig()


def _from_ldconfig() -> list[str]:
    """Ask ``ldconfig -p`` for OpenBLAS/MKL locations; empty when ldconfig is missing."""
    for exe in ("/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig"):
        try:
            out = subprocess.run([exe, "-p"], capture_output=True, text=True, timeout=5).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        paths = [line.split("=>")[-1].strip() for line in out.splitlines() if "=>" in line]
        return [p for n in _NAMES for p in paths if Path(p).name == n]
    return []


def _kind(path: str) -> str:
    """Name the BLAS family of a library path."""
    name = Path(path).name
    return "openblas" if "openblas" in name else "mkl" if "mkl" in name else "custom"


def _load(path: str) -> bool:
    """dlopen ``path`` into the global symbol scope; True if it loaded and exports cblas_sgemm."""
    try:
        lib = ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
        return hasattr(lib, "cblas_sgemm")
    except OSError:
        return False


def ensure_fast_blas() -> BlasStatus:
    """Load an optimized BLAS ahead of MLX's bundled one (Linux only); idempotent.

    Call before the first ``import mlx.core`` (forge.model does this itself). Returns the
    :class:`BlasStatus` describing what is in effect; ``forge doctor`` reports it.
    """
    global _STATUS
    if _STATUS is not None:
        return _STATUS
    if sys.platform == "darwin":
        _STATUS = BlasStatus("accelerate", note="macOS: MLX uses Metal/Accelerate")
        return _STATUS
    if not sys.platform.startswith("linux"):
        _STATUS = BlasStatus("not needed", note=f"platform {sys.platform}")
        return _STATUS
    late = "mlx.core" in sys.modules
    choice = os.environ.get("FORGE_BLAS", "").strip()
    if choice.lower() in ("off", "0", "none", "bundled"):
        _STATUS = BlasStatus("bundled", note="FORGE_BLAS=off")
        return _STATUS
    for path in [choice] if choice else _search():
        if _load(path):
            note = "loaded after mlx.core was imported; may be inactive" if late else ""
            _STATUS = BlasStatus("custom" if choice else _kind(path), path, note)
            return _STATUS
    note = f"FORGE_BLAS={choice} could not be loaded" if choice else "no optimized BLAS found"
    _STATUS = BlasStatus("bundled", note=note)
    return _STATUS


def blas_status() -> BlasStatus | None:
    """Return what :func:`ensure_fast_blas` decided, or None if it has not run yet."""
    return _STATUS
