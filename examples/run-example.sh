#!/usr/bin/env bash
#===- run-example.sh - The main job on the bundled example ----------------===#
#
# Usage: examples/run-example.sh [BUILD_DIR]
#
# Parses and verifies the bundled UniForm attention layer, reports its cost,
# rewrites shared-matrix attention into Reuse Attention (with a remark per
# decision), cleans up, reports the cost again and prints the result.
#
#===-----------------------------------------------------------------------===#
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${1:-$ROOT/build}"
EXAMPLE="$ROOT/examples/attention/uniform-layer.mlir"

echo "== uniform-opt --attn-cost-report --attn-reuse-heads=report=true --canonicalize --attn-cost-report $EXAMPLE"
"$BUILD_DIR/bin/uniform-opt" "$EXAMPLE" \
  --mlir-print-op-on-diagnostic=false \
  --attn-cost-report \
  --attn-reuse-heads=report=true \
  --canonicalize \
  --attn-cost-report
