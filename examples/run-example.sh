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
# 4. Exports UniForm-m0 (examples/uniform/models.py) from PyTorch to ONNX,
#    imports it, raises its attention (six attn.reuse ops) and prints the
#    cost report, compiles it for the CPU and runs it against PyTorch's
#    output, and compiles it for sm_87 (ptxas report of the fused kernels).
#    attn-fusion-report says what became of every softmax.
# 5. The same report for an independently written UniForm-m0 export
#    (test/lib/attention_corpus.py), which the compiler was not written
#    against.
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
echo "== PyTorch -> ONNX: UniForm-m0 (examples/uniform/models.py) at 224x224, opset 17"
/usr/bin/python3 "$ROOT/examples/uniform/export.py" m0 "$WORK/m0.onnx" --check "$WORK"
echo "== uniform-translate --import-onnx"
start=$EPOCHREALTIME
# With debug info, so that reports name the ONNX nodes.
"$BIN/uniform-translate" --import-onnx "$WORK/m0.onnx" --mlir-print-debuginfo -o "$WORK/m0.mlir"
awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "imported in %.2f s\n", b - a }'
echo
echo "== uniform-opt --attn-fusion-report (what becomes of every softmax)"
"$BIN/uniform-opt" "$WORK/m0.mlir" --attn-fusion-report -o /dev/null
echo
echo "== uniform-opt --attn-raise --canonicalize --cse --attn-reuse-heads --attn-cost-report"
"$BIN/uniform-opt" "$WORK/m0.mlir" --attn-raise --canonicalize --cse --attn-reuse-heads \
  --attn-cost-report -o "$WORK/m0.raised.mlir"
grep -o '= attn\.[a-z]* .* -> tensor<[0-9x]*xf32>' "$WORK/m0.raised.mlir" | sed 's/^= //'
echo
echo "== uniform-cpu-pipeline, uniform-run, against PyTorch's output"
"$BIN/uniform-opt" "$WORK/m0.mlir" --uniform-cpu-pipeline -o "$WORK/m0.cpu.mlir"
"$BIN/uniform-run" "$WORK/m0.cpu.mlir" -O1 --input "$WORK/in0.npy" --output "$WORK/out.npy"
/usr/bin/python3 "$ROOT/test/lib/compare_npy.py" "$WORK/out.npy" "$WORK/ref.npy" 1e-4
echo
echo "== uniform-gpu-pipeline=format=isa (sm_87, f16 attention)"
"$BIN/uniform-opt" "$WORK/m0.mlir" --uniform-gpu-pipeline=format=isa -o "$WORK/m0.sm_87.mlir"
if command -v ptxas >/dev/null || [ -x /usr/local/cuda/bin/ptxas ]; then
  /usr/bin/python3 "$ROOT/tools/ptxas-report.py" "$WORK/m0.sm_87.mlir" --chip sm_87 --no-spills \
    > "$WORK/m0.ptxas.txt"
  awk 'NR == 1 || ($8 ~ /^[0-9]+$/ && $8 > 0)' "$WORK/m0.ptxas.txt"
  tail -n 1 "$WORK/m0.ptxas.txt"
else
  echo "$(grep -c 'gpu.binary' "$WORK/m0.sm_87.mlir") kernels for sm_87"
  echo "(no ptxas: install the CUDA toolkit for the per-kernel report)"
fi

echo
echo "== An independently written UniForm-m0 (test/lib/attention_corpus.py uniform_m0_like):"
echo "== heads computed with baddbmm and per-head convs; one attn.reuse per layer, one fused kernel each"
OMP_NUM_THREADS=1 /usr/bin/python3 "$ROOT/test/lib/attention_corpus.py" uniform_m0_like "$WORK/m0like.onnx"
"$BIN/uniform-translate" --import-onnx "$WORK/m0like.onnx" --mlir-print-debuginfo -o "$WORK/m0like.mlir"
"$BIN/uniform-opt" "$WORK/m0like.mlir" --attn-fusion-report -o /dev/null
