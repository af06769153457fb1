// convert-attn-to-nvgpu: small-window attention becomes one fused kernel on
// tensor cores; shapes outside the kernel are left for convert-attn-to-linalg.
// RUN: uniform-opt %s --split-input-file --convert-attn-to-nvgpu | FileCheck %s

// Reuse Attention of the UniForm example (4 heads of 32, a 7x7 window, an
// [N, M] bias): one block per image computes the matrix once for all heads.
// CHECK-DAG:   memref.global "private" @__uniform_attn_smem_q : memref<64x40xf16, #gpu.address_space<workgroup>> {alignment = 16 : i64}
// CHECK-DAG:   memref.global "private" @__uniform_attn_smem_k : memref<64x40xf16, #gpu.address_space<workgroup>>
// Two copies of the value tile: the block stages the next chunk while it
// multiplies this one.
// CHECK-DAG:   memref.global "private" @__uniform_attn_smem_v : memref<2x64x72xf16, #gpu.address_space<workgroup>>
// The inputs are f32: elementwise ops in front of the kernel round Q, K and
// V to f16 (they fuse into the ops that compute them), and the kernel reads
// f16. The result stays f32.
// CHECK-LABEL: func.func @reuse
// CHECK:         %[[Q16:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<2x49x32xf32>) outs(%{{.*}} : tensor<2x49x32xf16>)
// CHECK:           arith.truncf {{.*}} : f32 to f16
// CHECK:         linalg.generic {{.*}} ins(%arg1 : tensor<2x49x32xf32>) outs(%{{.*}} : tensor<2x49x32xf16>)
// CHECK:         linalg.generic {{.*}} ins(%arg2 : tensor<2x4x49x32xf32>) outs(%{{.*}} : tensor<2x4x49x32xf16>)
// CHECK-DAG:     %[[Q:.*]] = bufferization.to_buffer %[[Q16]] read_only : tensor<2x49x32xf16> to memref<2x49x32xf16>
// CHECK-DAG:     %[[OUT:.*]] = memref.alloc() : memref<2x4x49x32xf32>
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[C128:.*]] = arith.constant 128 : index
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %[[C2]], {{.*}} = %{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %[[C128]],
// CHECK:           memref.get_global @__uniform_attn_smem_q
// Staging: 16-byte cp.async copies, zero-filled past the last token (0
// bytes copied).
// CHECK:           scf.for
// CHECK:             nvgpu.device_async_copy %[[Q]][{{.*}}], %{{.*}}[{{.*}}], 8, %{{.*}} {bypassL1} : memref<2x49x32xf16> to memref<64x40xf16, #gpu.address_space<workgroup>>
// CHECK:           nvvm.cp.async.commit.group
// CHECK:           gpu.barrier
// Scores: 2 k-steps (Dk = 32) x 8 key tiles.
// CHECK-COUNT-16:  nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// Softmax over each quad of lanes.
// CHECK:           gpu.shuffle xor
// CHECK:           math.exp2
// Values: H*Dv = 128 in 2 chunks of 64 columns (one key step: the block
// loops over them), each 8 column tiles x 4 key steps; after the barrier
// chunk i + 1 is staged into the other copy while chunk i is multiplied.
// CHECK:           scf.for %[[I:.*]] = %{{.*}} to %c2{{.*}} step %c1
// CHECK:             %[[BUF:.*]] = arith.remui %[[I]], %c2
// CHECK:             gpu.barrier
// CHECK:             scf.if
// CHECK:               nvgpu.device_async_copy {{.*}} : memref<2x4x49x32xf16> to memref<2x64x72xf16, #gpu.address_space<workgroup>>
// CHECK:             nvgpu.ldmatrix %{{.*}}[%[[BUF]], {{.*}} {numTiles = 4 : i32, transpose = true}
// CHECK-COUNT-32:    nvgpu.mma.sync
// CHECK-NOT:       nvgpu.mma.sync
// The output: a pair of adjacent columns per lane and row, one 8-byte store.
// CHECK:             vector.store {{.*}}, %[[OUT]][{{.*}}] {alignment = 8 : i64} : memref<2x4x49x32xf32>, vector<2xf32>
// CHECK:         bufferization.to_tensor %[[OUT]] restrict writable
// CHECK-NOT:     attn.reuse
func.func @reuse(%q: tensor<2x49x32xf32>, %k: tensor<2x49x32xf32>, %v: tensor<2x4x49x32xf32>,
                 %b: tensor<49x49xf32>) -> tensor<2x4x49x32xf32> {
  %0 = attn.reuse %q, %k, %v bias(%b : tensor<49x49xf32>) scale(0.25)
      : tensor<2x49x32xf32>, tensor<2x49x32xf32>, tensor<2x4x49x32xf32> -> tensor<2x4x49x32xf32>
  return %0 : tensor<2x4x49x32xf32>
}

// -----

// Multi-head attention, f16: one block per image and head; 16 tokens need
// one warp and one 16-key step. The tiles are staged with cp.async, 16
// bytes a copy (zero-filled outside the tokens), Q and K as one group and
// the values as a second, still in flight during the scores. f16 inputs
// need no rounding in front of the kernel.
// CHECK-LABEL: func.func @mha_f16
// CHECK-NOT:     linalg.generic
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG:     %[[C32:.*]] = arith.constant 32 : index
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %{{.*}}, {{.*}} = %{{.*}}, {{.*}} = %[[C3]]) threads({{.*}}) in ({{.*}} = %[[C32]],
// CHECK:           %[[BYTES:.*]] = arith.select %{{.*}}, %c8{{.*}}, %c0{{.*}} : index
// CHECK:           nvgpu.device_async_copy %{{.*}}, %{{.*}}, 8, %[[BYTES]] {bypassL1} : memref<8x3x16x32xf16> to memref<16x40xf16, #gpu.address_space<workgroup>>
// CHECK:           nvgpu.device_async_copy {{.*}} : memref<8x3x16x32xf16> to memref<16x40xf16, #gpu.address_space<workgroup>>
// CHECK:           nvvm.cp.async.commit.group
// CHECK:           nvgpu.device_async_copy {{.*}} : memref<8x3x16x16xf16> to memref<16x24xf16, #gpu.address_space<workgroup>>
// CHECK:           nvvm.cp.async.commit.group
// CHECK-NEXT:      nvvm.cp.async.wait.group 1
// CHECK-NEXT:      gpu.barrier
// CHECK-COUNT-4:   nvgpu.mma.sync
// CHECK:           gpu.shuffle xor
// CHECK-COUNT-2:   nvgpu.mma.sync
// CHECK-NOT:       nvgpu.mma.sync
func.func @mha_f16(%q: tensor<8x3x16x32xf16>, %k: tensor<8x3x16x32xf16>, %v: tensor<8x3x16x16xf16>)
    -> tensor<8x3x16x16xf16> {
  %0 = attn.mha %q, %k, %v scale(0.17677669)
      : tensor<8x3x16x32xf16>, tensor<8x3x16x32xf16>, tensor<8x3x16x16xf16> -> tensor<8x3x16x16xf16>
  return %0 : tensor<8x3x16x16xf16>
}

// -----

// A per-head bias ([H, N, M], as EfficientViT exports it): each block reads
// the bias of its own head (grid z is the head).
// CHECK-LABEL: func.func @mha_head_bias
// CHECK:         %[[BIAS:.*]] = bufferization.to_buffer %arg3 read_only : tensor<2x49x49xf32>
// CHECK:         gpu.launch blocks(%[[BX:[a-z0-9]+]], %[[BY:[a-z0-9]+]], %[[BZ:[a-z0-9]+]]) in
// CHECK:           memref.load %[[BIAS]][%[[BZ]], %{{.*}}, %{{.*}}] : memref<2x49x49xf32>
func.func @mha_head_bias(%q: tensor<1x2x49x32xf32>, %k: tensor<1x2x49x32xf32>, %v: tensor<1x2x49x8xf32>,
                         %b: tensor<2x49x49xf32>) -> tensor<1x2x49x8xf32> {
  %0 = attn.mha %q, %k, %v bias(%b : tensor<2x49x49xf32>) scale(0.2)
      : tensor<1x2x49x32xf32>, tensor<1x2x49x32xf32>, tensor<1x2x49x8xf32> -> tensor<1x2x49x8xf32>
  return %0 : tensor<1x2x49x8xf32>
}

// -----

// A window whose value tile takes several chunks (3 heads of 96: 6 chunks of
// 48 columns, the widest of at most 64 that divides 288): one block per
// query tile computes the probabilities once (Dk 32: 2 x 8 score mma), then
// loops over the chunks, staging each chunk's values and multiplying (4 x 6
// mma per chunk); grid z is 1.
// CHECK-LABEL: func.func @window_chunks
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}}, {{.*}}, {{.*}} = %[[C1]])
// CHECK-COUNT-16:  nvgpu.mma.sync
// CHECK:           gpu.shuffle xor
// CHECK:           scf.for %{{.*}} = %{{.*}} to %c6{{.*}} step %c1
// CHECK:             gpu.barrier
// CHECK-COUNT-24:    nvgpu.mma.sync
// CHECK:             vector.store
// CHECK-NOT:       nvgpu.mma.sync
// CHECK:           gpu.terminator
func.func @window_chunks(%q: tensor<1x49x32xf32>, %k: tensor<1x49x32xf32>, %v: tensor<1x3x49x96xf32>) -> tensor<1x3x49x96xf32> {
  %0 = attn.reuse %q, %k, %v scale(0.2)
      : tensor<1x49x32xf32>, tensor<1x49x32xf32>, tensor<1x3x49x96xf32> -> tensor<1x3x49x96xf32>
  return %0 : tensor<1x3x49x96xf32>
}

// -----

// Long sequences (the default tiles' stream class): an online softmax over
// steps of 32 keys carrying the row maximum, the row sum and the output
// tiles. The value tile of 3 x 64 columns is 2 chunks of 96 (the widest
// divisor up to 128) that are column groups of warps: 4 warps a block, 2
// row groups of 16 queries by 2 column groups, each warp computing two of
// the step's four key tiles (one ldmatrix.x4 of K, two mma.sync), so that
// the block computes the step's probabilities once. The row maxima go
// through `stats`, the probabilities through `p` (f16, after the
// correction exp2(old max - new max)), then every warp multiplies its 96
// columns of V (12 n-tiles, for 2 x 16 keys). K and V have two copies:
// after the barrier at the top of step j, step j + 1 is staged into the
// other. After the steps the warps' shares of the row sums go through
// `stats`.
// CHECK-DAG:   memref.global "private" @__uniform_attn_smem_k{{.*}} : memref<2x32x24xf16, #gpu.address_space<workgroup>>
// CHECK-DAG:   memref.global "private" @__uniform_attn_smem_v{{.*}} : memref<2x32x200xf16, #gpu.address_space<workgroup>>
// CHECK-DAG:   memref.global "private" @__uniform_attn_smem_p{{.*}} : memref<32x40xf16, #gpu.address_space<workgroup>>
// CHECK-DAG:   memref.global "private" @__uniform_attn_smem_stats{{.*}} : memref<32x2xf32, #gpu.address_space<workgroup>>
// CHECK-LABEL: func.func @long
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{[_0-9]*}}, {{.*}} = %c4{{[_0-9]*}}, {{.*}} = %c1{{[_0-9]*}}) threads({{.*}}) in ({{.*}} = %c128{{[_0-9]*}},
// CHECK:           %[[STEPS:.*]] = arith.constant 5 : index
// CHECK:           scf.for %[[J:.*]] = %{{.*}} to %[[STEPS]] step %{{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>)
// CHECK:             gpu.barrier
// CHECK:             scf.if
// CHECK:               nvgpu.device_async_copy {{.*}} to memref<2x32x24xf16, #gpu.address_space<workgroup>>
// CHECK:               nvgpu.device_async_copy {{.*}} to memref<2x32x200xf16, #gpu.address_space<workgroup>>
// CHECK:             }
// CHECK:             %[[BUF:.*]] = arith.remui %[[J]], %c2
// CHECK:             nvgpu.ldmatrix %{{.*}}[%[[BUF]], {{.*}} {numTiles = 4 : i32, transpose = false} : memref<2x32x24xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
// CHECK-COUNT-2:     nvgpu.mma.sync
// CHECK-NOT:         nvgpu.mma.sync
// CHECK:             gpu.shuffle xor
// CHECK:             memref.store {{.*}} : memref<32x2xf32, #gpu.address_space<workgroup>>
// CHECK:             gpu.barrier
// CHECK:             memref.load {{.*}} : memref<32x2xf32, #gpu.address_space<workgroup>>
// CHECK:             arith.subf
// CHECK-NEXT:        math.exp2
// CHECK:             vector.store {{.*}} : memref<32x40xf16, #gpu.address_space<workgroup>>, vector<2xf16>
// CHECK:             gpu.barrier
// CHECK-COUNT-2:     nvgpu.ldmatrix {{.*}} : memref<32x40xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
// CHECK-COUNT-24:    nvgpu.mma.sync
// CHECK:             scf.yield
// CHECK:           memref.store {{.*}} : memref<32x2xf32, #gpu.address_space<workgroup>>
// CHECK:           gpu.barrier
// CHECK:           memref.load {{.*}} : memref<32x2xf32, #gpu.address_space<workgroup>>
func.func @long(%q: tensor<1x100x16xf32>, %k: tensor<1x150x16xf32>, %v: tensor<1x3x150x64xf32>)
    -> tensor<1x3x100x64xf32> {
  %0 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<1x100x16xf32>, tensor<1x150x16xf32>, tensor<1x3x150x64xf32> -> tensor<1x3x100x64xf32>
  return %0 : tensor<1x3x100x64xf32>
}

// -----

// Dk not a multiple of 16 (24): the Q and K tiles are 32 columns wide, and
// their staging loads only the columns below 24 (the rest are zeros, which
// add nothing to the scores). Scores: 2 k-steps x 8 key tiles; values: 4
// k-steps x 2 column tiles.
// CHECK-LABEL: memref.global "private" @__uniform_attn_smem_q{{.*}} : memref<64x40xf16, #gpu.address_space<workgroup>>
// CHECK:       memref.global "private" @__uniform_attn_smem_k{{.*}} : memref<64x40xf16, #gpu.address_space<workgroup>>
// CHECK-LABEL: func.func @padded_key_width
// CHECK:         gpu.launch
// CHECK:           %[[ROW:.*]] = arith.cmpi ult, %{{.*}}, %c49{{.*}} : index
// CHECK:           %[[C24:.*]] = arith.constant 24 : index
// CHECK:           %[[COL:.*]] = arith.cmpi ult, %{{.*}}, %[[C24]] : index
// CHECK:           arith.andi %[[ROW]], %[[COL]] : i1
// CHECK-COUNT-24:  nvgpu.mma.sync
// CHECK-NOT:       nvgpu.mma.sync
// CHECK:           gpu.terminator
func.func @padded_key_width(%q: tensor<1x49x24xf32>, %k: tensor<1x49x24xf32>, %v: tensor<1x2x49x8xf32>) -> tensor<1x2x49x8xf32> {
  %0 = attn.reuse %q, %k, %v scale(0.2)
      : tensor<1x49x24xf32>, tensor<1x49x24xf32>, tensor<1x2x49x8xf32> -> tensor<1x2x49x8xf32>
  return %0 : tensor<1x2x49x8xf32>
}

// -----

// UniForm's values: each head computed apart (a depthwise convolution per
// head), reshaped and stacked by tensor.concat. The rounding to f16 goes
// through the stack and the reshapes to each head's part, where it can fuse
// into the op that computes it; a stack built by tensor.insert_slice into
// tensor.empty likewise.
// CHECK-LABEL: func.func @stacked_heads
// CHECK:         %[[H0:.*]] = linalg.generic {{.*}} ins(%arg2 : tensor<1x7x7x16xf32>) outs(%{{.*}} : tensor<1x7x7x16xf16>)
// CHECK:         %[[C0:.*]] = tensor.collapse_shape %[[H0]] {{.*}} : tensor<1x7x7x16xf16> into tensor<1x49x16xf16>
// CHECK:         %[[E0:.*]] = tensor.expand_shape %[[C0]] {{.*}} : tensor<1x49x16xf16> into tensor<1x1x49x16xf16>
// CHECK:         %[[H1:.*]] = linalg.generic {{.*}} ins(%arg3 : tensor<1x1x49x16xf32>) outs(%{{.*}} : tensor<1x1x49x16xf16>)
// CHECK:         %[[V:.*]] = tensor.concat dim(1) %[[E0]], %[[H1]] : (tensor<1x1x49x16xf16>, tensor<1x1x49x16xf16>) -> tensor<1x2x49x16xf16>
// CHECK:         bufferization.to_buffer %[[V]] read_only : tensor<1x2x49x16xf16>
// CHECK:         %[[P1:.*]] = linalg.generic {{.*}} ins(%arg4 : tensor<1x1x49x16xf32>) outs(%{{.*}} : tensor<1x1x49x16xf16>)
// CHECK:         %[[P0:.*]] = linalg.generic {{.*}} ins(%arg3 : tensor<1x1x49x16xf32>) outs(%{{.*}} : tensor<1x1x49x16xf16>)
// CHECK:         %[[EMPTY:.*]] = tensor.empty() : tensor<1x2x49x16xf16>
// CHECK:         %[[S0:.*]] = tensor.insert_slice %[[P0]] into %[[EMPTY]][0, 0, 0, 0] [1, 1, 49, 16] [1, 1, 1, 1]
// CHECK:         %[[S1:.*]] = tensor.insert_slice %[[P1]] into %[[S0]][0, 1, 0, 0] [1, 1, 49, 16] [1, 1, 1, 1]
// CHECK:         bufferization.to_buffer %[[S1]] read_only : tensor<1x2x49x16xf16>
func.func @stacked_heads(%q: tensor<1x49x16xf32>, %k: tensor<1x49x16xf32>,
                         %h0: tensor<1x7x7x16xf32>, %h1: tensor<1x1x49x16xf32>,
                         %h2: tensor<1x1x49x16xf32>)
    -> (tensor<1x2x49x16xf32>, tensor<1x2x49x16xf32>) {
  %c = tensor.collapse_shape %h0 [[0], [1, 2], [3]] : tensor<1x7x7x16xf32> into tensor<1x49x16xf32>
  %e = tensor.expand_shape %c [[0], [1, 2], [3]] output_shape [1, 1, 49, 16] : tensor<1x49x16xf32> into tensor<1x1x49x16xf32>
  %v = tensor.concat dim(1) %e, %h1 : (tensor<1x1x49x16xf32>, tensor<1x1x49x16xf32>) -> tensor<1x2x49x16xf32>
  %0 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<1x49x16xf32>, tensor<1x49x16xf32>, tensor<1x2x49x16xf32> -> tensor<1x2x49x16xf32>
  %empty = tensor.empty() : tensor<1x2x49x16xf32>
  %s0 = tensor.insert_slice %h1 into %empty[0, 0, 0, 0] [1, 1, 49, 16] [1, 1, 1, 1] : tensor<1x1x49x16xf32> into tensor<1x2x49x16xf32>
  %s1 = tensor.insert_slice %h2 into %s0[0, 1, 0, 0] [1, 1, 49, 16] [1, 1, 1, 1] : tensor<1x1x49x16xf32> into tensor<1x2x49x16xf32>
  %1 = attn.reuse %q, %k, %s1 scale(0.25)
      : tensor<1x49x16xf32>, tensor<1x49x16xf32>, tensor<1x2x49x16xf32> -> tensor<1x2x49x16xf32>
  return %0, %1 : tensor<1x2x49x16xf32>, tensor<1x2x49x16xf32>
}

// A part of dynamic shape is rounded into a tensor.empty of its sizes.
// CHECK-LABEL: func.func @dynamic_part
// CHECK:         linalg.generic {{.*}} ins(%arg1 : tensor<1x49x16xf32>)
// CHECK:         %[[N:.*]] = tensor.dim %arg2, %c2
// CHECK:         %[[E:.*]] = tensor.empty(%[[N]]) : tensor<1x1x?x16xf16>
// CHECK:         linalg.generic {{.*}} ins(%arg2 : tensor<1x1x?x16xf32>) outs(%[[E]] : tensor<1x1x?x16xf16>)
func.func @dynamic_part(%q: tensor<1x49x16xf32>, %k: tensor<1x49x16xf32>,
                        %h: tensor<1x1x?x16xf32>, %rest: tensor<1x2x49x16xf32>)
    -> tensor<1x2x49x16xf32> {
  %c2 = arith.constant 2 : index
  %n = tensor.dim %h, %c2 : tensor<1x1x?x16xf32>
  %v = tensor.insert_slice %h into %rest[0, 0, 0, 0] [1, 1, %n, 16] [1, 1, 1, 1] : tensor<1x1x?x16xf32> into tensor<1x2x49x16xf32>
  %0 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<1x49x16xf32>, tensor<1x49x16xf32>, tensor<1x2x49x16xf32> -> tensor<1x2x49x16xf32>
  return %0 : tensor<1x2x49x16xf32>
}

// -----

// Outside the kernel: Dv not a multiple of 8, dynamic shapes, tiles over
// 48 KiB. All stay attn ops.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT:     gpu.launch
// CHECK-COUNT-3: attn.
func.func @left_alone(%ql: tensor<1x65x512xf32>, %vl: tensor<1x2x65x8xf32>,
                      %qh: tensor<1x2x49x32xf32>, %vh: tensor<1x2x49x4xf32>, %bh: tensor<2x49x49xf32>,
                      %qd: tensor<?x49x32xf32>, %vd: tensor<?x2x49x8xf32>)
    -> (tensor<1x2x65x8xf32>, tensor<1x2x49x4xf32>, tensor<?x2x49x8xf32>) {
  %1 = attn.reuse %ql, %ql, %vl scale(0.2)
      : tensor<1x65x512xf32>, tensor<1x65x512xf32>, tensor<1x2x65x8xf32> -> tensor<1x2x65x8xf32>
  %2 = attn.mha %qh, %qh, %vh bias(%bh : tensor<2x49x49xf32>) scale(0.2)
      : tensor<1x2x49x32xf32>, tensor<1x2x49x32xf32>, tensor<1x2x49x4xf32> -> tensor<1x2x49x4xf32>
  %3 = attn.reuse %qd, %qd, %vd scale(0.2)
      : tensor<?x49x32xf32>, tensor<?x49x32xf32>, tensor<?x2x49x8xf32> -> tensor<?x2x49x8xf32>
  return %1, %2, %3 : tensor<1x2x65x8xf32>, tensor<1x2x49x4xf32>, tensor<?x2x49x8xf32>
}

// -----

// Static extents up to INT64_MAX are valid; the kernel's size arithmetic
// (Dk padded to 16, H * Dv) must not overflow into a "fitting" kernel
// (found by uniform-fuzz-mlir under UBSan). All stay attn ops.
// CHECK-LABEL: func.func @huge_extents
// CHECK-NOT:     gpu.launch
// CHECK-COUNT-3: attn.
func.func @huge_extents(%q: tensor<2x4x17x9223372036854775807xf32>, %v: tensor<2x4x17x32xf32>,
                        %qr: tensor<1x16x16xf16>, %vr: tensor<1x9223372036854775807x16x8xf16>,
                        %vm: tensor<1x9223372036854775807x16x8xf16>, %qm: tensor<1x9223372036854775807x16x16xf16>)
    -> (tensor<2x4x17x32xf32>, tensor<1x9223372036854775807x16x8xf16>, tensor<1x9223372036854775807x16x8xf16>) {
  %0 = attn.mha %q, %q, %v scale(0.25)
      : tensor<2x4x17x9223372036854775807xf32>, tensor<2x4x17x9223372036854775807xf32>, tensor<2x4x17x32xf32> -> tensor<2x4x17x32xf32>
  %1 = attn.reuse %qr, %qr, %vr scale(0.25)
      : tensor<1x16x16xf16>, tensor<1x16x16xf16>, tensor<1x9223372036854775807x16x8xf16> -> tensor<1x9223372036854775807x16x8xf16>
  %2 = attn.mha %qm, %qm, %vm scale(0.25)
      : tensor<1x9223372036854775807x16x16xf16>, tensor<1x9223372036854775807x16x16xf16>, tensor<1x9223372036854775807x16x8xf16> -> tensor<1x9223372036854775807x16x8xf16>
  return %0, %1, %2 : tensor<2x4x17x32xf32>, tensor<1x9223372036854775807x16x8xf16>, tensor<1x9223372036854775807x16x8xf16>
}
