// uniform-gpu-fuse-parallel-loops, last step (merge-light-loops): a loop
// without loops in its body that fused with no loop of its shape joins an
// independent neighbour with at least as many iterations, behind a guard on
// the host's linear index.
// RUN: uniform-opt %s --split-input-file \
// RUN:   --uniform-gpu-fuse-parallel-loops=one-block-chains=false \
// RUN:   | FileCheck %s
// RUN: uniform-opt %s --split-input-file \
// RUN:   "--uniform-gpu-fuse-parallel-loops=merge-light-loops=false one-block-chains=false" \
// RUN:   | FileCheck %s --check-prefix=OFF

// The zero fill of a padded 5x5x2 buffer (50 iterations) beside an
// unrelated 4x4x4 convolution (64): the fill runs in host iterations 0-49,
// at the indices their linear index has in 5x5x2. The convolution keeps its
// iteration space and its body.
// CHECK-LABEL: func.func @fill_joins_convolution
// CHECK-DAG:     %[[C50:.*]] = arith.constant 50 : index
// CHECK:         scf.parallel (%[[I:.*]], %[[J:.*]], %[[K:.*]]) = {{.*}} to (%c4, %c4, %c4)
// CHECK:           scf.for
// CHECK:           %[[IJ:.*]] = arith.muli %[[I]], %[[C4:c4[_0-9]*]]
// CHECK:           %[[IJ2:.*]] = arith.addi %[[IJ]], %[[J]]
// CHECK:           %[[IJK:.*]] = arith.muli %[[IJ2]], %[[C4B:c4[_0-9]*]]
// CHECK:           %[[LINEAR:.*]] = arith.addi %[[IJK]], %[[K]]
// CHECK:           %[[IN:.*]] = arith.cmpi ult, %[[LINEAR]], %[[C50]]
// CHECK:           scf.if %[[IN]] {
// CHECK:             %[[Z:.*]] = arith.remui %[[LINEAR]], %[[C2:c2[_0-9]*]]
// CHECK:             %[[R1:.*]] = arith.divui %[[LINEAR]], %[[C2]]
// CHECK:             %[[Y:.*]] = arith.remui %[[R1]], %[[C5:c5[_0-9]*]]
// CHECK:             %[[X:.*]] = arith.divui %[[R1]], %[[C5]]
// CHECK:             memref.store %{{.*}}, %{{.*}}[%[[X]], %[[Y]], %[[Z]]] : memref<5x5x2xf32>
// CHECK:           }
// CHECK-NOT:     scf.parallel
// OFF-LABEL:   func.func @fill_joins_convolution
// OFF-COUNT-2: scf.parallel
func.func @fill_joins_convolution(%x: memref<4x4x4xf32>, %w: memref<3xf32>)
    -> (memref<5x5x2xf32>, memref<4x4x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %zero = arith.constant 0.0 : f32
  %pad = memref.alloc() : memref<5x5x2xf32>
  %out = memref.alloc() : memref<4x4x4xf32>
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%c5, %c5, %c2) step (%c1, %c1, %c1) {
    memref.store %zero, %pad[%i, %j, %k] : memref<5x5x2xf32>
  }
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%c4, %c4, %c4) step (%c1, %c1, %c1) {
    memref.store %zero, %out[%i, %j, %k] : memref<4x4x4xf32>
    scf.for %t = %c0 to %c3 step %c1 {
      %v = memref.load %x[%i, %j, %t] : memref<4x4x4xf32>
      %m = memref.load %w[%t] : memref<3xf32>
      %acc = memref.load %out[%i, %j, %k] : memref<4x4x4xf32>
      %p = arith.mulf %v, %m : f32
      %s = arith.addf %acc, %p : f32
      memref.store %s, %out[%i, %j, %k] : memref<4x4x4xf32>
    }
  }
  return %pad, %out : memref<5x5x2xf32>, memref<4x4x4xf32>
}

// -----

// A light loop that reads what its neighbour writes is not independent of
// it; a light loop with more iterations than every other loop has no host.
// CHECK-LABEL: func.func @dependent_not_merged
// CHECK-COUNT-2: scf.parallel
// CHECK-NOT:     scf.if
// CHECK-LABEL: func.func @no_host_large_enough
// CHECK-COUNT-2: scf.parallel
// CHECK-NOT:     scf.if
func.func @dependent_not_merged(%x: memref<8xf32>) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %tmp = memref.alloc() : memref<8xf32>
  %out = memref.alloc() : memref<4xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %x[%i] : memref<8xf32>
    %n = arith.negf %v : f32
    memref.store %n, %tmp[%i] : memref<8xf32>
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %j = arith.addi %i, %c4 : index
    %v = memref.load %tmp[%j] : memref<8xf32>
    memref.store %v, %out[%i] : memref<4xf32>
  }
  memref.dealloc %tmp : memref<8xf32>
  return %out : memref<4xf32>
}
func.func @no_host_large_enough(%x: memref<8xf32>, %y: memref<4xf32>)
    -> (memref<8xf32>, memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %a = memref.alloc() : memref<8xf32>
  %b = memref.alloc() : memref<4xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %x[%i] : memref<8xf32>
    memref.store %v, %a[%i] : memref<8xf32>
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %v = memref.load %y[%i] : memref<4xf32>
    memref.store %v, %b[%i] : memref<4xf32>
    scf.for %t = %c0 to %c2 step %c1 {
      %w = memref.load %b[%i] : memref<4xf32>
      %s = arith.addf %w, %w : f32
      memref.store %s, %b[%i] : memref<4xf32>
    }
  }
  return %a, %b : memref<8xf32>, memref<4xf32>
}

// -----

// The light loop moves down to a later host across a loop it is independent
// of; a buffer it writes is freed only after the host.
// CHECK-LABEL: func.func @moves_down_to_host
// CHECK:         scf.parallel {{.*}} to (%c2)
// CHECK:         scf.parallel {{.*}} to (%c6)
// CHECK:           scf.if
// CHECK:             memref.store %{{.*}}, %[[B:.*]][%{{.*}}] : memref<3xf32>
// CHECK:         memref.dealloc %[[B]]
func.func @moves_down_to_host(%x: memref<2xf32>, %y: memref<6xf32>,
                              %z: memref<6xf32>) -> (memref<2xf32>, memref<6xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c6 = arith.constant 6 : index
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<2xf32>
  %b = memref.alloc() : memref<3xf32>
  scf.parallel (%i) = (%c0) to (%c3) step (%c1) {
    memref.store %zero, %b[%i] : memref<3xf32>
  }
  scf.parallel (%i) = (%c0) to (%c2) step (%c1) {
    scf.for %t = %c0 to %c2 step %c1 {
      %v = memref.load %x[%i] : memref<2xf32>
      memref.store %v, %a[%i] : memref<2xf32>
    }
  }
  scf.parallel (%i) = (%c0) to (%c6) step (%c1) {
    scf.for %t = %c0 to %c2 step %c1 {
      %v = memref.load %y[%i] : memref<6xf32>
      memref.store %v, %z[%i] : memref<6xf32>
    }
  }
  memref.dealloc %b : memref<3xf32>
  return %a, %z : memref<2xf32>, memref<6xf32>
}

// -----

// Across a kernel (a gpu.launch built before the loops) it is independent
// of, as m0's q padding fills with matmul-precision=f16: the fill joins the
// convolution before the kernel.
// CHECK-LABEL: func.func @fill_across_kernel
// CHECK:         scf.parallel {{.*}} to (%c4, %c4, %c4)
// CHECK:           scf.if
// CHECK:             memref.store %{{.*}} : memref<5x5x2xf32>
// CHECK:         gpu.launch
// CHECK-NOT:     scf.parallel
// OFF-LABEL:   func.func @fill_across_kernel
// OFF-COUNT-2: scf.parallel
func.func @fill_across_kernel(%x: memref<4x4x4xf32>)
    -> (memref<5x5x2xf32>, memref<4x4x4xf32>, memref<2xf32>, memref<2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %zero = arith.constant 0.0 : f32
  %pad = memref.alloc() : memref<5x5x2xf32>
  %out = memref.alloc() : memref<4x4x4xf32>
  %in = memref.alloc() : memref<2xf32>
  %res = memref.alloc() : memref<2xf32>
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%c4, %c4, %c4) step (%c1, %c1, %c1) {
    memref.store %zero, %out[%i, %j, %k] : memref<4x4x4xf32>
    scf.for %t = %c0 to %c3 step %c1 {
      %v = memref.load %x[%i, %j, %t] : memref<4x4x4xf32>
      %acc = memref.load %out[%i, %j, %k] : memref<4x4x4xf32>
      %s = arith.addf %acc, %v : f32
      memref.store %s, %out[%i, %j, %k] : memref<4x4x4xf32>
    }
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c2, %sy = %c1, %sz = %c1) {
    %v = memref.load %in[%tx] : memref<2xf32>
    memref.store %v, %res[%tx] : memref<2xf32>
    gpu.terminator
  }
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%c5, %c5, %c2) step (%c1, %c1, %c1) {
    memref.store %zero, %pad[%i, %j, %k] : memref<5x5x2xf32>
  }
  return %pad, %out, %in, %res : memref<5x5x2xf32>, memref<4x4x4xf32>, memref<2xf32>, memref<2xf32>
}

// -----

// Not across a kernel that reads what the fill writes (with a
// vector.load: the kernel's ops are read by their memory effects).
// CHECK-LABEL: func.func @fill_after_reader_kernel
// CHECK:         scf.parallel {{.*}} to (%c4, %c4, %c4)
// CHECK-NOT:       scf.if
// CHECK:         gpu.launch
// CHECK:         scf.parallel {{.*}} to (%c2)
func.func @fill_after_reader_kernel(%x: memref<4x4x4xf32>)
    -> (memref<4x4x4xf32>, memref<2xf32>, memref<2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %out = memref.alloc() : memref<4x4x4xf32>
  %in = memref.alloc() : memref<2xf32>
  %res = memref.alloc() : memref<2xf32>
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%c4, %c4, %c4) step (%c1, %c1, %c1) {
    memref.store %zero, %out[%i, %j, %k] : memref<4x4x4xf32>
    scf.for %t = %c0 to %c3 step %c1 {
      %v = memref.load %x[%i, %j, %t] : memref<4x4x4xf32>
      %acc = memref.load %out[%i, %j, %k] : memref<4x4x4xf32>
      %s = arith.addf %acc, %v : f32
      memref.store %s, %out[%i, %j, %k] : memref<4x4x4xf32>
    }
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c2, %sy = %c1, %sz = %c1) {
    %v = vector.load %in[%c0] : memref<2xf32>, vector<2xf32>
    vector.store %v, %res[%c0] : memref<2xf32>, vector<2xf32>
    gpu.terminator
  }
  scf.parallel (%i) = (%c0) to (%c2) step (%c1) {
    memref.store %zero, %in[%i] : memref<2xf32>
  }
  return %out, %in, %res : memref<4x4x4xf32>, memref<2xf32>, memref<2xf32>
}
