// uniform-gpu-split-reductions: a parallel loop with few outputs and a long
// sum gets a last dimension of lanes; lane s sums terms s, s + S, ...,
// a gpu.shuffle xor butterfly adds the lanes' sums, and only the first
// lane writes memory (the bias stored as the initial value, the result,
// the epilogue).
// RUN: uniform-opt %s --split-input-file --uniform-gpu-split-reductions | FileCheck %s

// 3072 outputs, K 384, weights stored [N, K] (adjacent terms adjacent):
// 16 lanes of 24 terms (49152 threads).
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
func.func @bias_relu(%x: memref<16x384xf32>, %w: memref<192x384xf32>,
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
      %wv = memref.load %w[%n, %k] : memref<192x384xf32>
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
// that writes, a barrier, and outputs enough to fill a GPU (over max-outputs, 16384).
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

// -----

// A constant global read at [term, n]: adjacent lanes would read down its
// column, so they read a transposed copy (made once) at [n, term], along a
// row. Weights w[k][n] = 4k + n.
// CHECK-LABEL: memref.global "private" constant @weights_along_lanes : memref<4x32xf32> = dense<"0x00000000000080400000004100004041000080410000A0410000C0410000E0410000004200001042000020420000304200004042000050420000604200007042000080420000884200009042000098420000A0420000A8420000B0420000B8420000C0420000C8420000D0420000D8420000E0420000E8420000F0420000F8420000803F0000A0400000104100005041000088410000A8410000C8410000E84100000442000014420000244200003442000044420000544200006442000074420000824200008A420000924200009A420000A2420000AA420000B2420000BA420000C2420000CA420000D2420000DA420000E2420000EA420000F2420000FA42000000400000C0400000204100006041000090410000B0410000D0410000F04100000842000018420000284200003842000048420000584200006842000078420000844200008C420000944200009C420000A4420000AC420000B4420000BC420000C4420000CC420000D4420000DC420000E4420000EC420000F4420000FC42000040400000E0400000304100007041000098410000B8410000D8410000F84100000C4200001C4200002C4200003C4200004C4200005C4200006C4200007C420000864200008E420000964200009E420000A6420000AE420000B6420000BE420000C6420000CE420000D6420000DE420000E6420000EE420000F6420000FE42">
// CHECK-LABEL: func.func @constant_weights
// CHECK:         %[[T:.*]] = memref.get_global @weights_along_lanes : memref<4x32xf32>
// CHECK:         scf.parallel (%{{[a-z0-9]+}}, %[[N:[a-z0-9]+]], %[[L:[a-z0-9]+]])
// CHECK:           scf.for %[[K:[a-z0-9]+]] = %[[L]]
// CHECK:             memref.load %[[T]][%[[N]], %[[K]]] : memref<4x32xf32>
memref.global "private" constant @weights : memref<32x4xf32> = dense<"0x000000000000803F0000004000004040000080400000A0400000C0400000E0400000004100001041000020410000304100004041000050410000604100007041000080410000884100009041000098410000A0410000A8410000B0410000B8410000C0410000C8410000D0410000D8410000E0410000E8410000F0410000F84100000042000004420000084200000C4200001042000014420000184200001C4200002042000024420000284200002C4200003042000034420000384200003C4200004042000044420000484200004C4200005042000054420000584200005C4200006042000064420000684200006C4200007042000074420000784200007C42000080420000824200008442000086420000884200008A4200008C4200008E42000090420000924200009442000096420000984200009A4200009C4200009E420000A0420000A2420000A4420000A6420000A8420000AA420000AC420000AE420000B0420000B2420000B4420000B6420000B8420000BA420000BC420000BE420000C0420000C2420000C4420000C6420000C8420000CA420000CC420000CE420000D0420000D2420000D4420000D6420000D8420000DA420000DC420000DE420000E0420000E2420000E4420000E6420000E8420000EA420000EC420000EE420000F0420000F2420000F4420000F6420000F8420000FA420000FC420000FE42">
func.func @constant_weights(%x: memref<4x32xf32>, %out: memref<4x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  %w = memref.get_global @weights : memref<32x4xf32>
  scf.parallel (%i, %n) = (%c0, %c0) to (%c4, %c4) step (%c1, %c1) {
    %s = scf.for %k = %c0 to %c32 step %c1 iter_args(%a = %zero) -> (f32) {
      %xv = memref.load %x[%i, %k] : memref<4x32xf32>
      %wv = memref.load %w[%k, %n] : memref<32x4xf32>
      %p = arith.mulf %xv, %wv : f32
      %next = arith.addf %a, %p : f32
      scf.yield %next : f32
    }
    memref.store %s, %out[%i, %n] : memref<4x4xf32>
    scf.reduce
  }
  return
}

// -----

// A buffer that is not a constant (an activation stored channel-major)
// read at [term, i]: adjacent lanes would read down its column, so the
// sum is left alone.
// CHECK-LABEL: func.func @activation_column
// CHECK-NOT:     gpu.shuffle
func.func @activation_column(%x: memref<1024x64xf32>, %out: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c1024 = arith.constant 1024 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
    %s = scf.for %k = %c0 to %c1024 step %c1 iter_args(%a = %zero) -> (f32) {
      %v = memref.load %x[%k, %i] : memref<1024x64xf32>
      %next = arith.addf %a, %v : f32
      scf.yield %next : f32
    }
    memref.store %s, %out[%i] : memref<64xf32>
    scf.reduce
  }
  return
}
