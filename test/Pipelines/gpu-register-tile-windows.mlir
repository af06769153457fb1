// uniform-gpu-register-tile-windows: several outputs of a window per
// iteration of the parallel loop, their shared loads made once (the pass
// composes the index arithmetic and merges them itself).
// RUN: uniform-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(uniform-gpu-register-tile-windows{min-iterations=1}))" | FileCheck %s
// RUN: uniform-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(uniform-gpu-register-tile-windows{min-iterations=1}))" | FileCheck %s --check-prefix=FILTER
// With the default min-iterations (8192) none of these small loops is tiled.
// RUN: uniform-opt %s --split-input-file --uniform-gpu-register-tile-windows | FileCheck %s --check-prefix=FEW
// With min-iterations=400 the depthwise loop's 1568 iterations take 2
// outputs each (784 left), not 7 (224).
// RUN: uniform-opt %s --split-input-file --uniform-gpu-register-tile-windows=min-iterations=400 | FileCheck %s --check-prefix=PARTIAL

// A 3x3 depthwise convolution over a pre-padded 16x16x8 input. W (14) is
// read as w + kw: each iteration takes 7 outputs along it (the largest
// divisor of 14 up to max-factor, 8), loads their 7 accumulators, and in
// each step of kh loads the 9 inputs and 3 filter elements they share
// (21 of each before), with kw unrolled. C stays one per iteration.
// CHECK-LABEL: func.func @depthwise
// CHECK:         scf.parallel ({{.*}}) = ({{.*}}) to (%c14, %c14, %c8) step (%c1{{.*}}, %c7{{.*}}, %c1{{.*}})
// CHECK-COUNT-7:   memref.load %arg2
// CHECK:           scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32)
// CHECK-NOT:         scf.for
// CHECK-COUNT-9:     memref.load %arg0
// CHECK-NOT:         memref.load %arg0
// CHECK:             scf.yield
// CHECK-COUNT-7:   memref.store {{.*}}, %arg2
// FILTER-LABEL: func.func @depthwise
// FILTER:         scf.for
// FILTER-COUNT-3:   memref.load %arg1
// FILTER-NOT:       memref.load %arg1
// FILTER:           scf.yield
// FEW-LABEL: func.func @depthwise
// FEW:         step (%c1, %c1, %c1)
// PARTIAL-LABEL: func.func @depthwise
// PARTIAL:         step (%c1{{.*}}, %c2{{.*}}, %c1{{.*}})
// PARTIAL:         scf.for {{.*}} -> (f32, f32)
#sum = affine_map<()[s0, s1] -> (s0 + s1)>
func.func @depthwise(%in: memref<16x16x8xf32>, %f: memref<3x3x8xf32>, %out: memref<14x14x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c8 = arith.constant 8 : index
  %c14 = arith.constant 14 : index
  scf.parallel (%h, %w, %c) = (%c0, %c0, %c0) to (%c14, %c14, %c8) step (%c1, %c1, %c1) {
    %init = memref.load %out[%h, %w, %c] : memref<14x14x8xf32>
    %r = scf.for %kh = %c0 to %c3 step %c1 iter_args(%a = %init) -> (f32) {
      %r2 = scf.for %kw = %c0 to %c3 step %c1 iter_args(%b = %a) -> (f32) {
        %ih = affine.apply #sum()[%h, %kh]
        %iw = affine.apply #sum()[%w, %kw]
        %x = memref.load %in[%ih, %iw, %c] : memref<16x16x8xf32>
        %k = memref.load %f[%kh, %kw, %c] : memref<3x3x8xf32>
        %m = arith.mulf %x, %k : f32
        %s = arith.addf %b, %m : f32
        scf.yield %s : f32
      }
      scf.yield %r2 : f32
    }
    memref.store %r, %out[%h, %w, %c] : memref<14x14x8xf32>
    scf.reduce
  }
  return
}

// -----

// A stride-2 convolution with a reduction over input channels: 8 outputs
// along W (16) per iteration. The channel loop, innermost, is not a window
// loop and stays a loop: each of its steps loads the filter element once
// for the 8 outputs (8 times before), and their 8 inputs (2w + kw).
// CHECK-LABEL: func.func @strided
// CHECK:         scf.parallel ({{.*}}) = ({{.*}}) to (%c4{{.*}}, %c16, %c32) step (%c1{{.*}}, %c8{{.*}}, %c1{{.*}})
// CHECK:           scf.for
// CHECK:             scf.for
// CHECK:               scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK-COUNT-8:         memref.load %arg0
// CHECK-NOT:             memref.load %arg0
// CHECK:                 scf.yield
// FILTER-LABEL: func.func @strided
// FILTER:               scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32)
// FILTER-COUNT-1:         memref.load %arg1
// FILTER-NOT:             memref.load %arg1
// FILTER:                 scf.yield
#stride2 = affine_map<()[s0, s1] -> (s0 * 2 + s1)>
func.func @strided(%in: memref<9x33x16xf32>, %f: memref<3x3x16x32xf32>, %out: memref<4x16x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  scf.parallel (%h, %w, %o) = (%c0, %c0, %c0) to (%c4, %c16, %c32) step (%c1, %c1, %c1) {
    %init = memref.load %out[%h, %w, %o] : memref<4x16x32xf32>
    %r = scf.for %kh = %c0 to %c3 step %c1 iter_args(%a = %init) -> (f32) {
      %r2 = scf.for %kw = %c0 to %c3 step %c1 iter_args(%b = %a) -> (f32) {
        %r3 = scf.for %ci = %c0 to %c16 step %c1 iter_args(%d = %b) -> (f32) {
          %ih = affine.apply #stride2()[%h, %kh]
          %iw = affine.apply #stride2()[%w, %kw]
          %x = memref.load %in[%ih, %iw, %ci] : memref<9x33x16xf32>
          %k = memref.load %f[%kh, %kw, %ci, %o] : memref<3x3x16x32xf32>
          %m = arith.mulf %x, %k : f32
          %s = arith.addf %d, %m : f32
          scf.yield %s : f32
        }
        scf.yield %r3 : f32
      }
      scf.yield %r2 : f32
    }
    memref.store %r, %out[%h, %w, %o] : memref<4x16x32xf32>
    scf.reduce
  }
  return
}

// -----

// Left alone: the only windowed dimension is the innermost (adjacent
// iterations, adjacent threads, read adjacent elements), also where unit
// dimensions follow it; a windowed extent
// with no divisor from 2 to 8 (13); a window loop whose bound is computed
// in the body (unroll-and-jam needs invariant bounds).
// CHECK-LABEL: func.func @left_alone
// CHECK:         step (%c1, %c1)
// CHECK:         step (%c1, %c1, %c1)
// CHECK:         step (%c1, %c1, %c1)
// CHECK:         step (%c1, %c1, %c1)
#sum1 = affine_map<()[s0, s1] -> (s0 + s1)>
func.func @left_alone(%in: memref<8x20xf32>, %out: memref<8x16xf32>,
                      %in2: memref<15x15x8xf32>, %out2: memref<13x13x8xf32>,
                      %n: memref<13xindex>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c8 = arith.constant 8 : index
  %c13 = arith.constant 13 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%c, %w) = (%c0, %c0) to (%c8, %c16) step (%c1, %c1) {
    %r = scf.for %k = %c0 to %c5 step %c1 iter_args(%a = %zero) -> (f32) {
      %iw = affine.apply #sum1()[%w, %k]
      %x = memref.load %in[%c, %iw] : memref<8x20xf32>
      %s = arith.addf %a, %x : f32
      scf.yield %s : f32
    }
    memref.store %r, %out[%c, %w] : memref<8x16xf32>
    scf.reduce
  }
  scf.parallel (%c, %w, %u) = (%c0, %c0, %c0) to (%c8, %c16, %c1) step (%c1, %c1, %c1) {
    %r = scf.for %k = %c0 to %c5 step %c1 iter_args(%a = %zero) -> (f32) {
      %iw = affine.apply #sum1()[%w, %k]
      %x = memref.load %in[%c, %iw] : memref<8x20xf32>
      %s = arith.addf %a, %x : f32
      scf.yield %s : f32
    }
    memref.store %r, %out[%c, %w] : memref<8x16xf32>
    scf.reduce
  }
  scf.parallel (%h, %w, %c) = (%c0, %c0, %c0) to (%c13, %c13, %c8) step (%c1, %c1, %c1) {
    %r = scf.for %k = %c0 to %c3 step %c1 iter_args(%a = %zero) -> (f32) {
      %iw = affine.apply #sum1()[%w, %k]
      %x = memref.load %in2[%h, %iw, %c] : memref<15x15x8xf32>
      %s = arith.addf %a, %x : f32
      scf.yield %s : f32
    }
    memref.store %r, %out2[%h, %w, %c] : memref<13x13x8xf32>
    scf.reduce
  }
  scf.parallel (%h, %w, %c) = (%c0, %c0, %c0) to (%c8, %c8, %c8) step (%c1, %c1, %c1) {
    %bound = memref.load %n[%h] : memref<13xindex>
    %r = scf.for %k = %c0 to %c3 step %c1 iter_args(%a = %zero) -> (f32) {
      %r2 = scf.for %j = %c0 to %bound step %c1 iter_args(%b = %a) -> (f32) {
        %iw = affine.apply #sum1()[%w, %k]
        %x = memref.load %in2[%j, %iw, %c] : memref<15x15x8xf32>
        %s = arith.addf %b, %x : f32
        scf.yield %s : f32
      }
      scf.yield %r2 : f32
    }
    memref.store %r, %out2[%h, %w, %c] : memref<13x13x8xf32>
    scf.reduce
  }
  return
}
