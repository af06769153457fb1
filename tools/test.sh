#!/usr/bin/env bash
#===- test.sh - Build and run every test ----------------------------------===#
#
# Usage: tools/test.sh [--build-dir DIR] [extra lit arguments...]
#
# Sets up the machine if needed (tools/setup.sh --no-example), builds, and runs
# the whole lit suite (regression tests, integration tests and the C++ unit
# tests). The last lines are lit's summary; the exit status is lit's.
#
#===-----------------------------------------------------------------------===#
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="$ROOT/build"
if [[ "${1:-}" == "--build-dir" ]]; then
  BUILD_DIR="$(realpath -m "$2")"
  shift 2
fi

"$ROOT/tools/setup.sh" --no-example --build-dir "$BUILD_DIR"
exec /usr/lib/llvm-22/bin/lit -sv "$@" "$BUILD_DIR/test"
