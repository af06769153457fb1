#!/usr/bin/env bash
#===- run-example.sh - The main job on the bundled example ----------------===#
#
# Usage: examples/run-example.sh [BUILD_DIR]
#
# 1. Parses and verifies the bundled UniForm attention layer, reports its
#    cost, rewrites shared-matrix attention into Reuse Attention (a remark per
#    decision), reports the cost again and prints the rewritten IR.
# 2. Compiles it for the CPU (uniform-cpu-pipeline) and runs the per-head
#    UniForm layer on random inputs with uniform-run.
# 3. Compiles it for Jetson AGX Orin (uniform-gpu-pipeline, sm_87) and, when
#    the CUDA toolkit's ptxas is present, prints the per-kernel ptxas report.
# 4. Builds UniForm's Reuse Attention core as an ONNX model (four heads over
#    one attention matrix, as exported), imports it, raises it to one
#    attn.reuse (cost report before and after), compiles it for the CPU and
#    runs it against NumPy, and compiles it for sm_87.
#
#===-----------------------------------------------------------------------===#
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${1:-$ROOT/build}"
BIN="$BUILD_DIR/bin"
EXAMPLE="$ROOT/examples/attention/uniform-layer.mlir"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "== uniform-opt --attn-cost-report --attn-reuse-heads=report=true --canonicalize --attn-cost-report"
"$BIN/uniform-opt" "$EXAMPLE" \
  --mlir-print-op-on-diagnostic=false \
  --attn-cost-report \
  --attn-reuse-heads=report=true \
  --canonicalize \
  --attn-cost-report

echo
echo "== uniform-opt --uniform-cpu-pipeline, then uniform-run --entry uniform_per_head"
"$BIN/uniform-opt" "$EXAMPLE" --uniform-cpu-pipeline -o "$WORK/layer.cpu.mlir"
/usr/bin/python3 "$ROOT/test/lib/make_inputs.py" 0 \
  "$WORK/q.npy=1x49x32" "$WORK/k.npy=1x49x32" "$WORK/bias.npy=49x49" \
  "$WORK/v0.npy=1x1x49x32" "$WORK/v1.npy=1x1x49x32" "$WORK/v2.npy=1x1x49x32" \
  "$WORK/v3.npy=1x1x49x32"
"$BIN/uniform-run" "$WORK/layer.cpu.mlir" --entry uniform_per_head \
  --input "$WORK/q.npy" --input "$WORK/k.npy" --input "$WORK/bias.npy" \
  --input "$WORK/v0.npy" --input "$WORK/v1.npy" --input "$WORK/v2.npy" \
  --input "$WORK/v3.npy" --output "$WORK/out.npy" --print-summary --benchmark 20

echo
echo "== uniform-opt --uniform-gpu-pipeline=format=isa (sm_87), then tools/ptxas-report.py"
"$BIN/uniform-opt" "$EXAMPLE" --uniform-gpu-pipeline=format=isa -o "$WORK/layer.sm_87.mlir"
echo "$(grep -c 'gpu.binary' "$WORK/layer.sm_87.mlir") kernels for sm_87"
if command -v ptxas >/dev/null || [ -x /usr/local/cuda/bin/ptxas ]; then
  /usr/bin/python3 "$ROOT/tools/ptxas-report.py" "$WORK/layer.sm_87.mlir" --chip sm_87
else
  echo "(no ptxas: install the CUDA toolkit for the per-kernel report)"
fi

echo
echo "== ONNX: uniform-translate --import-onnx on UniForm's attention core, attn-raise, attn-cost-report"
/usr/bin/python3 "$ROOT/test/lib/onnx_models.py" uniform "$WORK/uniform.onnx"
"$BIN/uniform-translate" --import-onnx "$WORK/uniform.onnx" -o "$WORK/uniform.mlir"
"$BIN/uniform-opt" "$WORK/uniform.mlir" --attn-cost-report --attn-raise --canonicalize \
  --attn-cost-report -o "$WORK/uniform.raised.mlir"
grep -o 'attn.reuse .* -> tensor<[0-9x]*xf32>' "$WORK/uniform.raised.mlir" || true

echo
echo "== ONNX model on the CPU (uniform-cpu-pipeline, uniform-run) against NumPy; and for sm_87"
"$BIN/uniform-opt" "$WORK/uniform.mlir" --uniform-cpu-pipeline -o "$WORK/uniform.cpu.mlir"
/usr/bin/python3 "$ROOT/test/lib/onnx_models.py" reference uniform "$WORK"
"$BIN/uniform-run" "$WORK/uniform.cpu.mlir" --input "$WORK/in0.npy" --input "$WORK/in1.npy" \
  --input "$WORK/in2.npy" --output "$WORK/out.npy"
/usr/bin/python3 "$ROOT/test/lib/compare_npy.py" "$WORK/out.npy" "$WORK/ref.npy" 1e-5
"$BIN/uniform-opt" "$WORK/uniform.mlir" --uniform-gpu-pipeline=format=isa -o "$WORK/uniform.sm_87.mlir"
echo "$(grep -c 'gpu.binary' "$WORK/uniform.sm_87.mlir") kernels for sm_87"
