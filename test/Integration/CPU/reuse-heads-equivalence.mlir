// attn-reuse-heads never changes results: the bundled UniForm layer gives the
// same outputs compiled with and without the rewrite, on random inputs; the
// approximate mode changes them (and says so).
// REQUIRES: numpy
// RUN: %python %uniform_src_root/test/lib/make_inputs.py 7 %t.q.npy=1x49x32 %t.k.npy=1x49x32 %t.b.npy=49x49 \
// RUN:   %t.v0.npy=1x1x49x32 %t.v1.npy=1x1x49x32 %t.v2.npy=1x1x49x32 %t.v3.npy=1x1x49x32 %t.v.npy=1x4x49x32 \
// RUN:   %t.qh.npy=1x4x49x16 %t.kh.npy=1x4x49x16 %t.bh.npy=4x49x49
// RUN: uniform-opt %uniform_src_root/examples/attention/uniform-layer.mlir --uniform-cpu-pipeline=reuse-heads=false -o %t.plain.mlir
// RUN: uniform-opt %uniform_src_root/examples/attention/uniform-layer.mlir --uniform-cpu-pipeline=reuse-heads=true -o %t.reuse.mlir
// The rewritten module really has fewer attention matrices.
// RUN: uniform-opt %uniform_src_root/examples/attention/uniform-layer.mlir --attn-reuse-heads --attn-cost-report -o /dev/null | FileCheck %s --check-prefix=COST
// COST: total 6

// Per-head form, merged by the rewrite.
// RUN: uniform-run %t.plain.mlir --entry uniform_per_head --input %t.q.npy --input %t.k.npy --input %t.b.npy \
// RUN:   --input %t.v0.npy --input %t.v1.npy --input %t.v2.npy --input %t.v3.npy --output %t.ph.plain.npy
// RUN: uniform-run %t.reuse.mlir --entry uniform_per_head --input %t.q.npy --input %t.k.npy --input %t.b.npy \
// RUN:   --input %t.v0.npy --input %t.v1.npy --input %t.v2.npy --input %t.v3.npy --output %t.ph.reuse.npy
// RUN: %attn_ref cmp %t.ph.plain.npy %t.ph.reuse.npy 1e-6 | FileCheck %s
// Broadcast form.
// RUN: uniform-run %t.plain.mlir --entry uniform_broadcast_mha --input %t.q.npy --input %t.k.npy --input %t.b.npy \
// RUN:   --input %t.v.npy --output %t.bc.plain.npy
// RUN: uniform-run %t.reuse.mlir --entry uniform_broadcast_mha --input %t.q.npy --input %t.k.npy --input %t.b.npy \
// RUN:   --input %t.v.npy --output %t.bc.reuse.npy
// RUN: %attn_ref cmp %t.bc.plain.npy %t.bc.reuse.npy 1e-6 | FileCheck %s
// CHECK: max abs error {{.*}} (tolerance 1e-6)

// Approximation is not exact on genuine multi-head attention.
// RUN: uniform-opt %uniform_src_root/examples/attention/uniform-layer.mlir --attn-reuse-heads=allow-approximation=true \
// RUN:   --uniform-cpu-pipeline -o %t.approx.mlir 2>&1 | FileCheck %s --check-prefix=WARN
// WARN: warning: approximate rewrite
// RUN: uniform-run %t.plain.mlir --entry efficientvit_per_head_qk --input %t.qh.npy --input %t.kh.npy --input %t.bh.npy \
// RUN:   --input %t.v.npy --output %t.ev.plain.npy
// RUN: uniform-run %t.approx.mlir --entry efficientvit_per_head_qk --input %t.qh.npy --input %t.kh.npy --input %t.bh.npy \
// RUN:   --input %t.v.npy --output %t.ev.approx.npy
// RUN: not %attn_ref cmp %t.ev.plain.npy %t.ev.approx.npy 1e-3
