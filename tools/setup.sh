#!/usr/bin/env bash
#===- setup.sh - Set up a machine, build, and run the bundled example -----===#
#
# Usage: tools/setup.sh [--no-example] [--bench] [--build-dir DIR]
#
# Idempotent: installs the Debian packages the project needs (only those that
# are missing, so it is quick when everything is there), configures the build
# with CMake + Ninja against LLVM/MLIR 22, builds every tool, and (unless
# --no-example) runs the main job on a bundled example. --bench also installs
# what bench/attention_bench.py needs besides PyTorch (OpenBLAS, for a fair
# CPU baseline, and matplotlib).
#
#===-----------------------------------------------------------------------===#
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="$ROOT/build"
RUN_EXAMPLE=1
BENCH=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-example) RUN_EXAMPLE=0; shift ;;
    --bench) BENCH=1; shift ;;
    --build-dir) BUILD_DIR="$(realpath -m "$2")"; shift 2 ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "setup.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

# Every system package the project needs, from Debian 12's archive
# (LLVM/MLIR 22 come from bookworm-security).
PACKAGES=(
  cmake ninja-build ccache g++ git
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  libgtest-dev
  python3 python3-numpy
  # uniform-translate --import-onnx, and the models of its tests; PyTorch
  # for the UniForm models of examples/uniform (the main job and the
  # end-to-end tests export them to ONNX).
  libonnx-dev libprotobuf-dev python3-onnx python3-torch
  # Real architectures with random weights (no downloads) for the tests that
  # run models nobody here wrote.
  python3-torchvision
  # uniform-compile --host-triple=aarch64-linux-gnu (Jetson's CPU).
  g++-aarch64-linux-gnu
)
if [[ $BENCH -eq 1 ]]; then
  # A fair PyTorch CPU baseline needs OpenBLAS, not the reference BLAS.
  PACKAGES+=(python3-matplotlib libopenblas0-pthread)
fi

source "$ROOT/tools/install-packages.sh"
install_missing_packages setup.sh "${PACKAGES[@]}"

# Let ccache share results between clones in different folders (CI builds a
# fresh clone elsewhere): paths under the project are hashed relatively.
export CCACHE_BASEDIR="$ROOT"
export CCACHE_NOHASHDIR=true

# Configure once; later runs only build what changed.
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD_DIR" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir
fi
# Two cores: keep the build to two jobs so links never run out of memory.
cmake --build "$BUILD_DIR" -- -j"$(nproc)"
# The Markdown reference of the dialect and passes, in $BUILD_DIR/docs.
cmake --build "$BUILD_DIR" --target uniform-doc >/dev/null

if [[ $RUN_EXAMPLE -eq 1 ]]; then
  "$ROOT/examples/run-example.sh" "$BUILD_DIR"
fi
