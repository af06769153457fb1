// convert-attn-to-nvgpu's `tiles` option: tile shapes per shape class
// (uniform::FusedAttentionTiles), and uniform-gpu-pipeline's
// `attention-tiles`, which passes it on.

// Default tiles: M = 150 is a stream (over window-keys = 64) of 5 steps
// of 32 keys; H*Dv = 192 in 2 chunks of 96, the widest divisor up to 128,
// that are column groups of warps sharing the probability tile (`p`, and
// the row statistics): 2 row groups of 16 queries (stream-warps) by 2
// column groups, 4 warps, so 4 query blocks of 32 (grid z 1).
// RUN: uniform-opt %s --convert-attn-to-nvgpu | FileCheck %s --check-prefix=DEFAULT
// DEFAULT-DAG: memref.global "private" @__uniform_attn_smem_k{{[_0-9]*}} : memref<2x32x24xf16, #gpu.address_space<workgroup>>
// DEFAULT-DAG: memref.global "private" @__uniform_attn_smem_v{{[_0-9]*}} : memref<2x32x200xf16, #gpu.address_space<workgroup>>
// DEFAULT-DAG: memref.global "private" @__uniform_attn_smem_p{{[_0-9]*}} : memref<32x40xf16, #gpu.address_space<workgroup>>
// DEFAULT-DAG: memref.global "private" @__uniform_attn_smem_stats{{[_0-9]*}} : memref<32x2xf32, #gpu.address_space<workgroup>>
// DEFAULT:     gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{[_0-9]*}}, {{.*}} = %c4{{[_0-9]*}}, {{.*}} = %c1{{[_0-9]*}}) threads({{.*}}) in ({{.*}} = %c128{{[_0-9]*}},
// DEFAULT:       %[[STEPS:.*]] = arith.constant 5 : index
// DEFAULT:       scf.for %{{.*}} = %{{.*}} to %[[STEPS]]

// stream-groups=1: every chunk is a block along grid z (2) that computes
// the probabilities again, 2 warps of 16 queries: 4 query blocks of 32.
// RUN: uniform-opt %s --convert-attn-to-nvgpu="tiles={stream-groups=1}" | FileCheck %s --check-prefix=GRID
// GRID-DAG: memref.global "private" @__uniform_attn_smem_v{{[_0-9]*}} : memref<2x32x104xf16, #gpu.address_space<workgroup>>
// GRID-NOT: @__uniform_attn_smem_p
// GRID:     gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{[_0-9]*}}, {{.*}} = %c4{{[_0-9]*}}, {{.*}} = %c2{{[_0-9]*}}) threads({{.*}}) in ({{.*}} = %c64{{[_0-9]*}},

// Steps of 16 keys: 2 key tiles for the 2 column groups, one each, loaded
// with ldmatrix.x2; 10 steps.
// RUN: uniform-opt %s --convert-attn-to-nvgpu="tiles={stream-keys=16}" | FileCheck %s --check-prefix=X2
// X2-LABEL: func.func @long
// X2:         arith.constant 10 : index
// X2:         nvgpu.ldmatrix {{.*}} {numTiles = 2 : i32, transpose = false} : memref<2x16x24xf16, #gpu.address_space<workgroup>> -> vector<2x2xf16>
// X2:         nvgpu.mma.sync
// X2-NOT:     nvgpu.mma.sync
// X2:         gpu.shuffle xor

// Steps of 64 keys and chunks of up to 128 columns (96): 3 steps. Two
// copies of K and V (2 x 64 x 200 f16 for V) do not fit in 48 KiB with the
// 32 x 64 probability tile: one copy.
// RUN: uniform-opt %s --convert-attn-to-nvgpu="tiles={stream-keys=64,stream-chunk=128}" | FileCheck %s --check-prefix=WIDE
// WIDE-DAG: memref.global "private" @__uniform_attn_smem_k{{[_0-9]*}} : memref<64x24xf16, #gpu.address_space<workgroup>>
// WIDE-DAG: memref.global "private" @__uniform_attn_smem_v{{[_0-9]*}} : memref<64x200xf16, #gpu.address_space<workgroup>>
// WIDE-DAG: memref.global "private" @__uniform_attn_smem_p{{[_0-9]*}} : memref<32x72xf16, #gpu.address_space<workgroup>>
// WIDE:     gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{[_0-9]*}}, {{.*}} = %c4{{[_0-9]*}}, {{.*}} = %c1{{[_0-9]*}})
// WIDE:       %[[STEPS:.*]] = arith.constant 3 : index
// WIDE:       scf.for %{{.*}} = %{{.*}} to %[[STEPS]]

// @many_heads: H*Dv = 1024 is 8 column groups of 128, one row group (8
// warps at most). 32 keys a step would stage a 32 x 1032 value tile (66
// KiB): the steps take 16 keys instead (10 steps, one copy), rather than
// putting the chunks on grid z. The statistics tile's rows are 9 floats,
// so that the eight rows a request reads fall in different banks.
// RUN: uniform-opt %s --convert-attn-to-nvgpu | FileCheck %s --check-prefix=MANY
// MANY-DAG: memref.global "private" @__uniform_attn_smem_v{{[_0-9]*}} : memref<16x1032xf16, #gpu.address_space<workgroup>>
// MANY-DAG: memref.global "private" @__uniform_attn_smem_stats{{[_0-9]*}} : memref<16x9xf32, #gpu.address_space<workgroup>>
// MANY-LABEL: func.func @many_heads
// MANY:     gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{[_0-9]*}}, {{.*}} = %c3{{[_0-9]*}}, {{.*}} = %c1{{[_0-9]*}}) threads({{.*}}) in ({{.*}} = %c256{{[_0-9]*}},
// MANY:       arith.constant 10 : index

// A 7x7 window (@window, M = 49) is a window by default: one step of all
// keys (rounded to 64), the block looping over 2 chunks of 64 (grid z 1).
// With window-keys = 32 it is a stream of 2 steps of 32 keys, one chunk of
// 128 a block (grid z 1); with stream-warps = 1, 4 query blocks of 16 rows.
// RUN: uniform-opt %s --convert-attn-to-nvgpu | FileCheck %s --check-prefix=WINDOW
// WINDOW-LABEL: func.func @window
// WINDOW:     gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{[_0-9]*}}, {{.*}} = %c1{{[_0-9]*}}, {{.*}} = %c1{{[_0-9]*}}) threads({{.*}}) in ({{.*}} = %c128{{[_0-9]*}},
// WINDOW-NOT:   iter_args
// WINDOW:       scf.for %{{.*}} = %{{.*}} to %c2{{[_0-9]*}} step %c1
// RUN: uniform-opt %s --convert-attn-to-nvgpu="tiles={stream-warps=1, window-keys=32}" | FileCheck %s --check-prefix=SMALL
// SMALL-LABEL: func.func @window
// SMALL:     gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{[_0-9]*}}, {{.*}} = %c4{{[_0-9]*}}, {{.*}} = %c1{{[_0-9]*}}) threads({{.*}}) in ({{.*}} = %c32{{[_0-9]*}},
// SMALL:       scf.for %{{.*}} = %{{.*}} to %c2{{[_0-9]*}} step %{{.*}} iter_args

// The pipeline option reaches the pass: @long's V tile of 64 x 200 f16
// in the PTX.
// RUN: uniform-opt %s --uniform-gpu-pipeline="format=isa attention-tiles={stream-keys=64,stream-chunk=128}" | FileCheck %s --check-prefix=PIPELINE
// PIPELINE: __uniform_attn_smem_v{{[_0-9]*}}[25600]

// Bad specs are errors of the option, before any IR is touched.
// RUN: not uniform-opt %s --convert-attn-to-nvgpu="tiles={bogus=1}" 2>&1 | FileCheck %s --check-prefix=KEY
// KEY: error: convert-attn-to-nvgpu: attention tiles: unknown key 'bogus' (expected window-keys, window-warps, window-chunk, stream-keys, stream-warps, stream-chunk or stream-groups)
// RUN: not uniform-opt %s --convert-attn-to-nvgpu="tiles={window-keys=160}" 2>&1 | FileCheck %s --check-prefix=WINDOWKEYS
// WINDOWKEYS: error: convert-attn-to-nvgpu: attention tiles: window-keys must be a multiple of 16 from 16 to 128, got '160'
// RUN: not uniform-opt %s --convert-attn-to-nvgpu="tiles={stream-keys=24}" 2>&1 | FileCheck %s --check-prefix=KEYS
// KEYS: error: convert-attn-to-nvgpu: attention tiles: stream-keys must be a multiple of 16 from 16 to 128, got '24'
// RUN: not uniform-opt %s --convert-attn-to-nvgpu="tiles={window-chunk=x}" 2>&1 | FileCheck %s --check-prefix=CHUNK
// CHUNK: error: convert-attn-to-nvgpu: attention tiles: window-chunk must be a multiple of 8 from 8 to 256, got 'x'
// RUN: not uniform-opt %s --convert-attn-to-nvgpu="tiles={stream-groups=17}" 2>&1 | FileCheck %s --check-prefix=GROUPS
// GROUPS: error: convert-attn-to-nvgpu: attention tiles: stream-groups must be from 1 to 16, got '17'
// RUN: not uniform-opt %s --uniform-gpu-pipeline="attention-tiles={window-warps=9}" 2>&1 | FileCheck %s --check-prefix=WARPS
// WARPS: error: uniform-gpu-pipeline: attention tiles: window-warps must be from 1 to 8, got '9'

func.func @long(%q: tensor<1x100x16xf32>, %k: tensor<1x150x16xf32>, %v: tensor<1x3x150x64xf32>)
    -> tensor<1x3x100x64xf32> {
  %0 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<1x100x16xf32>, tensor<1x150x16xf32>, tensor<1x3x150x64xf32> -> tensor<1x3x100x64xf32>
  return %0 : tensor<1x3x100x64xf32>
}

func.func @window(%q: tensor<1x49x16xf32>, %k: tensor<1x49x16xf32>, %v: tensor<1x4x49x32xf32>)
    -> tensor<1x4x49x32xf32> {
  %0 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<1x49x16xf32>, tensor<1x49x16xf32>, tensor<1x4x49x32xf32> -> tensor<1x4x49x32xf32>
  return %0 : tensor<1x4x49x32xf32>
}

func.func @many_heads(%q: tensor<1x40x64xf16>, %k: tensor<1x150x64xf16>, %v: tensor<1x16x150x64xf16>)
    -> tensor<1x16x40x64xf16> {
  %0 = attn.reuse %q, %k, %v scale(0.125)
      : tensor<1x40x64xf16>, tensor<1x150x64xf16>, tensor<1x16x150x64xf16> -> tensor<1x16x40x64xf16>
  return %0 : tensor<1x16x40x64xf16>
}

// @wide_values: H*Dv = 1536 is 12 column groups of 128, one row group of
// 16 queries (384 threads). Not even 16 keys of the 1536-column value tile
// fit in 48 KiB with the rest (16 x 1544 f16), so each step stages it in
// 2 passes of 12 x 64 columns (16 x 776): every warp holds two chunks of
// 64, multiplied with the same probability tile. One block per 16 queries
// (grid z 1), 10 steps of 16 keys; only stream-groups=8 puts the 12
// chunks on grid z, each block computing the probabilities again.
// RUN: uniform-opt %s --convert-attn-to-nvgpu | FileCheck %s --check-prefix=PASSES
// PASSES-DAG: memref.global "private" @__uniform_attn_smem_v{{[_0-9]*}} : memref<16x776xf16, #gpu.address_space<workgroup>>
// PASSES-DAG: memref.global "private" @__uniform_attn_smem_stats{{[_0-9]*}} : memref<16x12xf32, #gpu.address_space<workgroup>>
// PASSES-LABEL: func.func @wide_values
// PASSES:     gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{[_0-9]*}}, {{.*}} = %c3{{[_0-9]*}}, {{.*}} = %c1{{[_0-9]*}}) threads({{.*}}) in ({{.*}} = %c384{{[_0-9]*}},
// PASSES:       arith.constant 10 : index
// RUN: uniform-opt %s --convert-attn-to-nvgpu="tiles={stream-groups=8}" | FileCheck %s --check-prefix=GRID8
// GRID8-LABEL: func.func @wide_values
// GRID8:     gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{[_0-9]*}}, {{.*}} = %c2{{[_0-9]*}}, {{.*}} = %c12{{[_0-9]*}}) threads({{.*}}) in ({{.*}} = %c64{{[_0-9]*}},

// @widest_values: H*Dv = 4096 is 32 chunks of 128, more than the 16
// column groups whose accumulators fit a block's registers: two sets of 16
// column groups (512 threads, one block per 16 queries, grid z 1), each
// staging its 2048 columns in 2 passes of 16 x 64 over 10 steps of 16
// keys. The first set keeps every step's probability tile (16 queries x 16
// keys, f16) and the rows' corrections in scratch buffers covering the
// 3 query blocks (48 rows) and 10 steps (160 keys); the second set (the
// loop from 1 to 2) stages them back with cp.async, loads the corrections,
// and multiplies its values without computing a score. Only a
// stream-groups under 16 puts the chunks on grid z (@wide_values).
// RUN: uniform-opt %s --convert-attn-to-nvgpu | FileCheck %s --check-prefix=WIDEST
// WIDEST-LABEL: func.func @widest_values
// WIDEST:     %[[KEPT_P:.*]] = memref.alloc() : memref<1x1x48x160xf16>
// WIDEST:     %[[KEPT_CORR:.*]] = memref.alloc() : memref<1x1x48x10xf32>
// WIDEST:     gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{[_0-9]*}}, {{.*}} = %c3{{[_0-9]*}}, {{.*}} = %c1{{[_0-9]*}}) threads({{.*}}) in ({{.*}} = %c512{{[_0-9]*}},
// WIDEST:       %[[P:.*]] = memref.get_global @__uniform_attn_smem_p{{[_0-9]*}} : memref<16x24xf16, #gpu.address_space<workgroup>>
// WIDEST:       scf.for {{.*}} to %c10{{[_0-9]*}} step {{.*}} iter_args(
// WIDEST:         nvgpu.mma.sync
// WIDEST:         vector.store {{.*}}, %[[KEPT_P]][{{.*}}] {alignment = 16 : i64} : memref<1x1x48x160xf16>, vector<8xf16>
// WIDEST:         memref.store {{.*}}, %[[KEPT_CORR]][{{.*}}] : memref<1x1x48x10xf32>
// WIDEST:       scf.for {{.*}} = %c1{{[_0-9]*}} to %c2{{[_0-9]*}} step
// WIDEST:         scf.for {{.*}} to %c10{{[_0-9]*}} step {{.*}} iter_args(
// WIDEST-NOT:       gpu.shuffle
// WIDEST:           nvgpu.device_async_copy %[[KEPT_P]][{{.*}}], %[[P]][{{.*}}], 8
// WIDEST-NOT:       gpu.shuffle
// WIDEST:           memref.load %[[KEPT_CORR]]
// WIDEST-NOT:       gpu.shuffle
// WIDEST:           nvgpu.ldmatrix %[[P]]
// WIDEST-NOT:       gpu.shuffle
// WIDEST:           nvgpu.mma.sync
// WIDEST-NOT:       gpu.shuffle
// WIDEST:   bufferization.to_tensor

// An attn.mha of Dv 2560 (20 chunks of 128): two sets of 10 column groups
// per head (grid z), the kept probabilities per image and head.
// RUN: uniform-opt %s --convert-attn-to-nvgpu | FileCheck %s --check-prefix=MHA-SETS
// MHA-SETS-LABEL: func.func @widest_mha
// MHA-SETS:     memref.alloc() : memref<1x2x48x160xf16>
// MHA-SETS:     memref.alloc() : memref<1x2x48x10xf32>
// MHA-SETS:     gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{[_0-9]*}}, {{.*}} = %c3{{[_0-9]*}}, {{.*}} = %c2{{[_0-9]*}}) threads({{.*}}) in ({{.*}} = %c320{{[_0-9]*}},

func.func @wide_values(%q: tensor<1x40x64xf16>, %k: tensor<1x150x64xf16>, %v: tensor<1x12x150x128xf16>)
    -> tensor<1x12x40x128xf16> {
  %0 = attn.reuse %q, %k, %v scale(0.125)
      : tensor<1x40x64xf16>, tensor<1x150x64xf16>, tensor<1x12x150x128xf16> -> tensor<1x12x40x128xf16>
  return %0 : tensor<1x12x40x128xf16>
}

func.func @widest_values(%q: tensor<1x40x64xf16>, %k: tensor<1x150x64xf16>, %v: tensor<1x32x150x128xf16>)
    -> tensor<1x32x40x128xf16> {
  %0 = attn.reuse %q, %k, %v scale(0.125)
      : tensor<1x40x64xf16>, tensor<1x150x64xf16>, tensor<1x32x150x128xf16> -> tensor<1x32x40x128xf16>
  return %0 : tensor<1x32x40x128xf16>
}

func.func @widest_mha(%q: tensor<1x2x40x64xf16>, %k: tensor<1x2x150x64xf16>, %v: tensor<1x2x150x2560xf16>)
    -> tensor<1x2x40x2560xf16> {
  %0 = attn.mha %q, %k, %v scale(0.125)
      : tensor<1x2x40x64xf16>, tensor<1x2x150x64xf16>, tensor<1x2x150x2560xf16> -> tensor<1x2x40x2560xf16>
  return %0 : tensor<1x2x40x2560xf16>
}

// @heads_of_96: H*Dv = 384 over heads of 96. The widest divisor up to 128
// (128) would straddle heads and divide every column by 96 (140 registers
// on sm_87); chunks lie in one head or cover whole heads unless Dv is a
// power of two: 4 column groups of 96, 2 row groups, 256 threads.
// RUN: uniform-opt %s --convert-attn-to-nvgpu | FileCheck %s --check-prefix=HEADS
// HEADS-DAG: memref.global "private" @__uniform_attn_smem_stats{{[_0-9]*}} : memref<32x4xf32, #gpu.address_space<workgroup>>
// HEADS-LABEL: func.func @heads_of_96
// HEADS:     gpu.launch blocks({{.*}}) threads({{.*}}) in ({{.*}} = %c256{{[_0-9]*}},
func.func @heads_of_96(%q: tensor<1x40x64xf16>, %k: tensor<1x150x64xf16>, %v: tensor<1x4x150x96xf16>)
    -> tensor<1x4x40x96xf16> {
  %0 = attn.reuse %q, %k, %v scale(0.125)
      : tensor<1x40x64xf16>, tensor<1x150x64xf16>, tensor<1x4x150x96xf16> -> tensor<1x4x40x96xf16>
  return %0 : tensor<1x4x40x96xf16>
}
