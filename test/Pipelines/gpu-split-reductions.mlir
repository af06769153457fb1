// uniform-gpu-split-reductions: a parallel loop with few outputs and a long
// sum gets a last dimension of lanes; lane s sums terms s, s + S, ...,
// a gpu.shuffle xor butterfly adds the lanes' sums, and only the first
// lane writes memory (the bias stored as the initial value, the result,
// the epilogue).
// RUN: uniform-opt %s --split-input-file --uniform-gpu-split-reductions | FileCheck %s

// 3072 outputs, K 384: 16 lanes of 24 terms (49152 threads).
// CHECK-LABEL: func.func @bias_relu
// CHECK:         scf.parallel (%[[I:[a-z0-9]+]], %[[N:[a-z0-9]+]], %[[L:[a-z0-9]+]]) = ({{.*}}) to (%c16, %c192, %c16_{{[0-9]+}})
// CHECK:           %[[FIRST:.*]] = arith.cmpi eq, %[[L]], %{{.*}} : index
// CHECK:           %[[BIAS:.*]] = memref.load %{{.*}}[%[[N]]]
// CHECK:           scf.if %[[FIRST]] {
// CHECK-NEXT:        memref.store %[[BIAS]], %[[ACC:.*]][%[[I]], %[[N]]]
// CHECK:           %[[INIT:.*]] = scf.if %[[FIRST]] -> (f32) {
// CHECK-NEXT:        %[[OLD:.*]] = memref.load %[[ACC]][%[[I]], %[[N]]]
// CHECK-NEXT:        scf.yield %[[OLD]]
// CHECK-NEXT:      } else {
// CHECK-NEXT:        scf.yield %{{.*}} : f32
// CHECK:           %[[SUM:.*]] = scf.for %{{.*}} = %[[L]] to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[INIT]])
// CHECK:           gpu.shuffle  xor %[[SUM]], %c8_i32, %c32_i32 : f32
// CHECK:           gpu.shuffle  xor {{.*}}, %c4_i32, %c32_i32 : f32
// CHECK:           gpu.shuffle  xor {{.*}}, %c2_i32, %c32_i32 : f32
// CHECK:           gpu.shuffle  xor {{.*}}, %c1_i32, %c32_i32 : f32
// CHECK:           %[[TOTAL:.*]] = arith.addf
// CHECK-NEXT:      scf.if %[[FIRST]] {
// CHECK-NEXT:        memref.store %[[TOTAL]], %[[ACC]][%[[I]], %[[N]]]
// CHECK:             arith.maximumf
// CHECK:             memref.store
// CHECK:           }
// CHECK-NEXT:      scf.reduce
func.func @bias_relu(%x: memref<16x384xf32>, %w: memref<384x192xf32>,
                     %b: memref<192xf32>, %acc: memref<16x192xf32>,
                     %out: memref<16x192xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c192 = arith.constant 192 : index
  %c384 = arith.constant 384 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i, %n) = (%c0, %c0) to (%c16, %c192) step (%c1, %c1) {
    %bias = memref.load %b[%n] : memref<192xf32>
    memref.store %bias, %acc[%i, %n] : memref<16x192xf32>
    %init = memref.load %acc[%i, %n] : memref<16x192xf32>
    %s = scf.for %k = %c0 to %c384 step %c1 iter_args(%a = %init) -> (f32) {
      %xv = memref.load %x[%i, %k] : memref<16x384xf32>
      %wv = memref.load %w[%k, %n] : memref<384x192xf32>
      %p = arith.mulf %xv, %wv : f32
      %next = arith.addf %a, %p : f32
      scf.yield %next : f32
    }
    memref.store %s, %acc[%i, %n] : memref<16x192xf32>
    %r = arith.maximumf %s, %zero : f32
    memref.store %r, %out[%i, %n] : memref<16x192xf32>
    scf.reduce
  }
  return
}

// -----

// Five outputs of 1000 terms: 32 lanes (160 threads, whole warps), the
// initial value a constant for lane 0 only.
// CHECK-LABEL: func.func @dot
// CHECK:         scf.parallel (%{{[a-z0-9]+}}, %[[L:[a-z0-9]+]]) = ({{.*}}) to (%c5, %c32)
// CHECK:           %[[INIT:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK:           scf.for %{{.*}} = %[[L]] to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[INIT]])
// CHECK-COUNT-5:   gpu.shuffle  xor
func.func @dot(%x: memref<5x1000xf32>, %w: memref<1000xf32>, %out: memref<5xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c5 = arith.constant 5 : index
  %c1000 = arith.constant 1000 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c5) step (%c1) {
    %s = scf.for %k = %c0 to %c1000 step %c1 iter_args(%a = %zero) -> (f32) {
      %xv = memref.load %x[%i, %k] : memref<5x1000xf32>
      %wv = memref.load %w[%k] : memref<1000xf32>
      %p = arith.mulf %xv, %wv : f32
      %next = arith.addf %p, %a : f32
      scf.yield %next : f32
    }
    memref.store %s, %out[%i] : memref<5xf32>
    scf.reduce
  }
  return
}

// -----

// Left alone: a short sum (16 terms), a maximum rather than a sum, a loop
// that writes, a barrier, and outputs enough for every thread.
// CHECK-LABEL: func.func @untouched
// CHECK-NOT:     gpu.shuffle
// CHECK-NOT:     scf.parallel ({{.*}}) to ({{.*}}, %c{{[0-9]+}}_{{[0-9]+}})
func.func @untouched(%x: memref<64x1024xf32>, %out: memref<64xf32>,
                     %big: memref<65536x64xf32>, %bigout: memref<65536xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %c1024 = arith.constant 1024 : index
  %c65536 = arith.constant 65536 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
    %s = scf.for %k = %c0 to %c16 step %c1 iter_args(%a = %zero) -> (f32) {
      %v = memref.load %x[%i, %k] : memref<64x1024xf32>
      %next = arith.addf %a, %v : f32
      scf.yield %next : f32
    }
    memref.store %s, %out[%i] : memref<64xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
    %s = scf.for %k = %c0 to %c1024 step %c1 iter_args(%a = %zero) -> (f32) {
      %v = memref.load %x[%i, %k] : memref<64x1024xf32>
      %next = arith.maximumf %a, %v : f32
      scf.yield %next : f32
    }
    memref.store %s, %out[%i] : memref<64xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
    %s = scf.for %k = %c0 to %c1024 step %c1 iter_args(%a = %zero) -> (f32) {
      %v = memref.load %x[%i, %k] : memref<64x1024xf32>
      memref.store %v, %out[%i] : memref<64xf32>
      %next = arith.addf %a, %v : f32
      scf.yield %next : f32
    }
    memref.store %s, %out[%i] : memref<64xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
    %s = scf.for %k = %c0 to %c1024 step %c1 iter_args(%a = %zero) -> (f32) {
      %v = memref.load %x[%i, %k] : memref<64x1024xf32>
      %next = arith.addf %a, %v : f32
      scf.yield %next : f32
    }
    gpu.barrier
    memref.store %s, %out[%i] : memref<64xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c65536) step (%c1) {
    %s = scf.for %k = %c0 to %c64 step %c1 iter_args(%a = %zero) -> (f32) {
      %v = memref.load %big[%i, %k] : memref<65536x64xf32>
      %next = arith.addf %a, %v : f32
      scf.yield %next : f32
    }
    memref.store %s, %bigout[%i] : memref<65536xf32>
    scf.reduce
  }
  return
}
