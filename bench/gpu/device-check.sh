#!/usr/bin/env bash
#===- device-check.sh - One command to check the GPU path on a real GPU ----===#
#
# Usage: bench/gpu/device-check.sh [--build-dir DIR] [--self-test] [--quick]
#        bench/gpu/device-check.sh [--build-dir DIR] --prepare DIR  (here)
#        bench/gpu/device-check.sh --prebuilt DIR                  (GPU machine)
#
# Run this first on any machine with an NVIDIA GPU (an Orin, or a data-center
# GPU such as an H200, where the driver JIT-compiles our sm_87 PTX). It takes
# a few minutes and:
#   1. prints the device and the driver (uniform-cuda-query, nvidia-smi);
#   2. builds what it needs (tools/setup.sh --no-example) unless built;
#   3. runs the fused-kernel grid (bench/gpu/grid.txt: attn.reuse and
#      attn.mha; N, M not multiples of 16 and up to 1024; Dk 1..128 with 72;
#      H*Dv up to 1536; every bias form; f16 and f32; large logits) through
#      uniform-gpu-pipeline and `uniform-run --device=cuda` against float64
#      NumPy, one line per case;
#   4. runs UniForm-m0 whole (224x224) on the GPU against PyTorch's CPU output;
#   5. runs compute-sanitizer racecheck and memcheck on two cases, if found;
#   6. times our kernels against PyTorch (SDPA and matmul-softmax-matmul)
#      with bench/gpu/run.py when PyTorch has CUDA.
# It ends with "device-check: N passed, M failed" and exits non-zero on a
# failure. --self-test runs steps 3 and 4 on the CUDA emulator instead
# (uniform-run --device=cuda-emulator, what lit runs on machines without a
# GPU, to keep this script working) and compiles the grid for sm_87 with
# ptxas; --quick runs three grid cases and skips m0.
# A GPU machine without LLVM 22 and MLIR (an Orin on JetPack, a cloud GPU)
# cannot build: --prepare DIR builds here, with uniform-compile
# --target=cuda, a library for every grid case and for m0 and the layer and
# block exports, with inputs and references, and --prebuilt DIR runs steps
# 1 and 3 to 6 there from DIR with NumPy and PyTorch alone
# (bench/gpu/prebuilt.py), comparing whole models with PyTorch eager too.
#
#===-----------------------------------------------------------------------===#
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="$ROOT/build"
DEVICE=cuda
QUICK=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) BUILD_DIR="$(realpath -m "$2")"; shift 2 ;;
    --self-test) DEVICE=cuda-emulator; shift ;;
    --quick) QUICK=1; shift ;;
    --prepare)
      # With the benchmarks' venv (bench/model_bench.py makes it), IREE's
      # CUDA compile of each model is run beside ours there.
      iree=(); [[ -x "$BUILD_DIR/bench-venv/bin/iree-compile" ]] && iree=(--iree "$BUILD_DIR/bench-venv/bin")
      exec /usr/bin/python3 "$ROOT/bench/gpu/prebuilt.py" prepare "$2" --bin "$BUILD_DIR/bin" "${iree[@]}" ;;
    --prebuilt) shift; exec python3 "$ROOT/bench/gpu/prebuilt.py" run "$@" ;;
    -h|--help) sed -n '2,33p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "device-check.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
BIN="$BUILD_DIR/bin"
PY=/usr/bin/python3
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
PASSED=0
FAILED=0
result() { # NAME OK-EXIT-STATUS
  if [[ "$2" -eq 0 ]]; then PASSED=$((PASSED + 1)); echo "PASS $1";
  else FAILED=$((FAILED + 1)); echo "FAIL $1"; fi
}

echo "== 1. device and driver ($DEVICE)"
if [[ ! -x "$BIN/uniform-opt" ]]; then
  echo "== building (tools/setup.sh --no-example)"
  bash "$ROOT/tools/setup.sh" --no-example --build-dir "$BUILD_DIR" >"$WORK/build.log" 2>&1 ||
    { tail -n 30 "$WORK/build.log"; echo "device-check: the build failed"; exit 1; }
fi
if [[ "$DEVICE" == cuda ]]; then
  "$BIN/uniform-cuda-query" || { echo "device-check: no usable CUDA device"; exit 1; }
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv
else
  echo "(self-test: the GPU steps run on the CUDA emulator)"
fi

echo
echo "== 3. fused-kernel grid against NumPy"
mapfile -t GRID < <(grep -v -e '^#' -e '^$' "$ROOT/bench/gpu/grid.txt")
[[ $QUICK -eq 1 ]] && GRID=("${GRID[@]:0:3}")
SPECS="$(IFS=';'; echo "${GRID[*]}")"
"$PY" "$ROOT/test/lib/differential.py" --bin "$BIN" --device "$DEVICE" \
  --strategies materialize --specs "$SPECS" | tee "$WORK/grid.txt"
while read -r status rest; do
  case "$status" in
    ok) result "grid ${rest%%:*}" 0 ;;
    FAIL) result "grid ${rest%%:*}" 1 ;;
  esac
done <"$WORK/grid.txt"

if [[ "$DEVICE" == cuda-emulator ]]; then
  # Without a GPU, every grid case must also compile for sm_87 (ptxas).
  mkdir -p "$WORK/compile"
  for spec in "${GRID[@]}"; do
    "$PY" "$ROOT/test/lib/attention_reference.py" gen "$spec" "$WORK/compile" >"$WORK/case.mlir" &&
      "$BIN/uniform-opt" "$WORK/case.mlir" --uniform-gpu-pipeline=format=isa -o /dev/null
    result "compiles for sm_87: $spec" $?
  done
fi

if [[ $QUICK -eq 0 ]]; then
  echo
  echo "== 4. UniForm-m0 whole against PyTorch"
  pipeline="--uniform-gpu-pipeline"; tol=2e-2
  [[ "$DEVICE" == cuda-emulator ]] && pipeline="--uniform-gpu-pipeline=format=llvm"
  ( OMP_NUM_THREADS=1 "$PY" "$ROOT/examples/uniform/export.py" m0 "$WORK/m0.onnx" --check "$WORK" >/dev/null &&
    "$BIN/uniform-translate" --import-onnx "$WORK/m0.onnx" -o "$WORK/m0.mlir" &&
    "$BIN/uniform-opt" "$WORK/m0.mlir" "$pipeline" -o "$WORK/m0.low.mlir" &&
    "$BIN/uniform-run" "$WORK/m0.low.mlir" -O0 --device="$DEVICE" --input "$WORK/in0.npy" \
      --output "$WORK/m0.out.npy" &&
    "$PY" "$ROOT/test/lib/compare_npy.py" "$WORK/m0.out.npy" "$WORK/ref.npy" "$tol" )
  result "uniform-m0" $?
fi

if [[ "$DEVICE" == cuda ]]; then
  echo
  echo "== 5. compute-sanitizer"
  SANITIZER="$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)"
  if [[ -x "$SANITIZER" ]]; then
    mkdir -p "$WORK/san"
    "$PY" "$ROOT/test/lib/attention_reference.py" gen "${GRID[0]}" "$WORK/san" >"$WORK/san.mlir"
    "$BIN/uniform-opt" "$WORK/san.mlir" --uniform-gpu-pipeline -o "$WORK/san.low.mlir"
    ins=(); for a in q k v b; do [[ -f "$WORK/san/$a.npy" ]] && ins+=(--input "$WORK/san/$a.npy"); done
    for tool in racecheck memcheck; do
      "$SANITIZER" --tool "$tool" --error-exitcode 3 "$BIN/uniform-run" "$WORK/san.low.mlir" \
        --entry forward --device=cuda "${ins[@]}" --output "$WORK/san.out.npy" >"$WORK/$tool.log" 2>&1
      status=$?; tail -n 3 "$WORK/$tool.log"; result "compute-sanitizer $tool" $status
    done
  else
    echo "(compute-sanitizer not found: skipped)"
  fi
  echo
  echo "== 6. against PyTorch"
  if "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
    "$PY" "$ROOT/bench/gpu/build-libs.py" --build "$BUILD_DIR" --target cuda --out "$WORK/libs" >/dev/null &&
      "$PY" "$ROOT/bench/gpu/run.py" --libs "$WORK/libs" --budget 120
    result "bench/gpu/run.py" $?
  else
    echo "(PyTorch without CUDA: timings skipped)"
  fi
fi

echo
echo "device-check: $PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
