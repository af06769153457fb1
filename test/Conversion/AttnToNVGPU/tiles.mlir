// convert-attn-to-nvgpu's `tiles` option: tile shapes per shape class
// (uniform::FusedAttentionTiles), and uniform-gpu-pipeline's
// `attention-tiles`, which passes it on.

// Default tiles: M = 150 is a stream (over window-keys = 64) of 10 steps
// of 16 keys; H*Dv = 192 in 2 chunks of 96 (grid z), the widest divisor up
// to 128; 4 warps (64 queries) a block, so 2 query blocks.
// RUN: uniform-opt %s --convert-attn-to-nvgpu | FileCheck %s --check-prefix=DEFAULT
// DEFAULT-DAG: memref.global "private" @__uniform_attn_smem_k{{[_0-9]*}} : memref<2x16x24xf16, #gpu.address_space<workgroup>>
// DEFAULT-DAG: memref.global "private" @__uniform_attn_smem_v{{[_0-9]*}} : memref<2x16x104xf16, #gpu.address_space<workgroup>>
// DEFAULT:     gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{[_0-9]*}}, {{.*}} = %c2{{[_0-9]*}}, {{.*}} = %c2{{[_0-9]*}}) threads({{.*}}) in ({{.*}} = %c128{{[_0-9]*}},
// DEFAULT:       %[[STEPS:.*]] = arith.constant 10 : index
// DEFAULT:       scf.for %{{.*}} = %{{.*}} to %[[STEPS]]

// Steps of 64 keys and chunks of up to 128 columns (the widest divisor of
// 192: 96, so 2 on grid z): 3 steps.
// RUN: uniform-opt %s --convert-attn-to-nvgpu="tiles={stream-keys=64,stream-chunk=128}" | FileCheck %s --check-prefix=WIDE
// WIDE-DAG: memref.global "private" @__uniform_attn_smem_k{{[_0-9]*}} : memref<2x64x24xf16, #gpu.address_space<workgroup>>
// WIDE-DAG: memref.global "private" @__uniform_attn_smem_v{{[_0-9]*}} : memref<2x64x104xf16, #gpu.address_space<workgroup>>
// WIDE:     gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{[_0-9]*}}, {{.*}} = %c2{{[_0-9]*}}, {{.*}} = %c2{{[_0-9]*}})
// WIDE:       %[[STEPS:.*]] = arith.constant 3 : index
// WIDE:       scf.for %{{.*}} = %{{.*}} to %[[STEPS]]

// A 7x7 window (@window, M = 49) is a window by default: one step of all
// keys (rounded to 64), the block looping over 2 chunks of 64 (grid z 1).
// With window-keys = 32 it is a stream of 4 steps of 16 keys, one chunk of
// 128 a block (grid z 1); with stream-warps = 1, 4 query blocks of 16 rows.
// RUN: uniform-opt %s --convert-attn-to-nvgpu | FileCheck %s --check-prefix=WINDOW
// WINDOW-LABEL: func.func @window
// WINDOW:     gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{[_0-9]*}}, {{.*}} = %c1{{[_0-9]*}}, {{.*}} = %c1{{[_0-9]*}}) threads({{.*}}) in ({{.*}} = %c128{{[_0-9]*}},
// WINDOW-NOT:   iter_args
// WINDOW:       scf.for %{{.*}} = %{{.*}} to %c2{{[_0-9]*}} step %c1
// RUN: uniform-opt %s --convert-attn-to-nvgpu="tiles={stream-warps=1, window-keys=32}" | FileCheck %s --check-prefix=SMALL
// SMALL-LABEL: func.func @window
// SMALL:     gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{[_0-9]*}}, {{.*}} = %c4{{[_0-9]*}}, {{.*}} = %c1{{[_0-9]*}}) threads({{.*}}) in ({{.*}} = %c32{{[_0-9]*}},
// SMALL:       scf.for %{{.*}} = %{{.*}} to %c4{{[_0-9]*}} step %{{.*}} iter_args

// The pipeline option reaches the pass: @long's two V tiles of 64 x 104 f16
// in the PTX.
// RUN: uniform-opt %s --uniform-gpu-pipeline="format=isa attention-tiles={stream-keys=64,stream-chunk=128}" | FileCheck %s --check-prefix=PIPELINE
// PIPELINE: __uniform_attn_smem_v{{[_0-9]*}}[26624]

// Bad specs are errors of the option, before any IR is touched.
// RUN: not uniform-opt %s --convert-attn-to-nvgpu="tiles={bogus=1}" 2>&1 | FileCheck %s --check-prefix=KEY
// KEY: error: convert-attn-to-nvgpu: attention tiles: unknown key 'bogus' (expected window-keys, window-warps, window-chunk, stream-keys, stream-warps or stream-chunk)
// RUN: not uniform-opt %s --convert-attn-to-nvgpu="tiles={window-keys=160}" 2>&1 | FileCheck %s --check-prefix=WINDOWKEYS
// WINDOWKEYS: error: convert-attn-to-nvgpu: attention tiles: window-keys must be a multiple of 16 from 16 to 128, got '160'
// RUN: not uniform-opt %s --convert-attn-to-nvgpu="tiles={stream-keys=24}" 2>&1 | FileCheck %s --check-prefix=KEYS
// KEYS: error: convert-attn-to-nvgpu: attention tiles: stream-keys must be a multiple of 16 from 16 to 128, got '24'
// RUN: not uniform-opt %s --convert-attn-to-nvgpu="tiles={window-chunk=x}" 2>&1 | FileCheck %s --check-prefix=CHUNK
// CHUNK: error: convert-attn-to-nvgpu: attention tiles: window-chunk must be a multiple of 8 from 8 to 256, got 'x'
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
