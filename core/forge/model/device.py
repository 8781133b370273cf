"""What MLX runs on here, which BLAS it uses, and how fast a float32 matmul is (forge doctor)."""

from __future__ import annotations

import platform
import time

from forge.model.blas import INSTALL_HINT, ensure_fast_blas

SLOW_GFLOPS = 20.0  # reference BLAS: ~6 GFLOP/s; OpenBLAS on 2 cores: 170-330 (50+ when busy)


def measure_matmul_gflops(n: int = 1024, repeats: int = 3) -> float:
    """Time a float32 n x n matmul on MLX's default device; return the best GFLOP/s."""
    import mlx.core as mx

    a = mx.random.normal((n, n))
    b = mx.random.normal((n, n))
    mx.eval(a @ b)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        mx.eval(a @ b)
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


def device_name() -> str:
    """Describe the default device: 'gpu (Metal)', 'gpu (CUDA)' or 'cpu (x86_64, N threads)'."""
    import os

    import mlx.core as mx

    if mx.default_device().type == mx.gpu:
        kind = "Metal" if platform.system() == "Darwin" else "CUDA"
        return f"gpu ({kind})"
    return f"cpu ({platform.machine()}, {os.cpu_count()} cores)"


def doctor_info(bench: bool = True) -> dict[str, str]:
    """Return a dict of human-readable lines for ``forge doctor`` about the model backend.

    ``bench`` False skips the matmul measurement (about a second on a slow BLAS).
    """
    status = ensure_fast_blas()
    import mlx.core as mx

    info = {"device": device_name(), "mlx": getattr(mx, "__version__", "?")}
    try:
        from importlib.metadata import version

        info["mlx-lm"] = version("mlx-lm")
    except Exception:  # metadata missing is not worth failing doctor over
        info["mlx-lm"] = "?"
    blas = status.kind + (f" ({status.path})" if status.path else "")
    info["blas"] = blas + (f"; {status.note}" if status.note else "")
    gflops = measure_matmul_gflops() if bench else float("nan")
    if bench:
        info["matmul"] = f"{gflops:.0f} GFLOP/s (float32 1024x1024)"
    on_gpu = mx.default_device().type == mx.gpu
    info["weights"] = "4-bit quantized" if on_gpu else "float32 (dequantized for the CPU BLAS)"
    if not on_gpu and (not status.fast or gflops < SLOW_GFLOPS):  # NaN compares False
        info["advice"] = f"Matmuls are on the slow reference BLAS. {INSTALL_HINT}"
    return info
