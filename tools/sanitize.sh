#!/usr/bin/env bash
#===- sanitize.sh - The lit suite under ASan + UBSan -----------------------===#
#
# Usage: tools/sanitize.sh [BUILD_DIR]   (default: build-sanitize)
#
# Configures a second build with UNIFORM_SANITIZE=ON (AddressSanitizer and
# UndefinedBehaviorSanitizer on everything this project compiles; Debian's
# libMLIR/libLLVM stay uninstrumented), builds it and runs the whole lit suite
# against it. Any sanitizer report fails the test that triggered it. Leak
# checking is off: MLIR's and LLVM's process-lifetime singletons would drown
# real reports. Too slow for every CI run (see the README for timings).
#
#===-----------------------------------------------------------------------===#
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build-sanitize}"
cmake -G Ninja -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
  -DUNIFORM_SANITIZE=ON > "$BUILD.configure.log" 2>&1 ||
  { cat "$BUILD.configure.log"; exit 1; }
ninja -C "$BUILD"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
exec /usr/lib/llvm-22/bin/lit -sv "$BUILD/test"
