// uniform-gpu-fuse-parallel-loops, last step (one-block-chains): a run of
// consecutive small loops becomes one loop over the threads of one block,
// mapped onto thread x, each loop strided over the threads and a
// block-wide barrier between loops.
// RUN: uniform-opt %s --split-input-file --uniform-gpu-fuse-parallel-loops \
// RUN:   | FileCheck %s
// RUN: uniform-opt %s --split-input-file \
// RUN:   --uniform-gpu-fuse-parallel-loops=one-block-chains=false \
// RUN:   | FileCheck %s --check-prefix=OFF
// RUN: uniform-opt %s --split-input-file \
// RUN:   --uniform-gpu-fuse-parallel-loops=block-size=16 \
// RUN:   | FileCheck %s --check-prefix=BLOCK16

// A squeeze-and-excitation block as bufferized linalg leaves it: global
// average pooling (64 channels of 7x7), a product down to 8 values and one
// back up to 64; each reads all of what the one before wrote. One block of
// 64 threads runs them in turn; the 8-iteration loop runs on 8 of them.
// CHECK-LABEL: func.func @squeeze_excitation
// CHECK:         scf.parallel (%[[T:.*]]) = (%{{.*}}) to (%[[C64:c64[_0-9]*]])
// CHECK:           scf.for %[[C:.*]] = %[[T]] to %[[C64]] step %[[C64]] {
// CHECK:             memref.store %{{.*}}, %[[POOL:.*]][%[[C]]]
// CHECK:             scf.for
// CHECK:               scf.for
// CHECK:           nvvm.barrier0
// CHECK-NEXT:      scf.for %[[J:.*]] = %[[T]] to %{{c8[_0-9]*}} step %[[C64]] {
// CHECK:             scf.for %[[K:.*]] =
// CHECK:               memref.load %[[POOL]][%[[K]]]
// CHECK:           nvvm.barrier0
// CHECK-NEXT:      scf.for %{{.*}} = %[[T]] to %[[C64]] step %[[C64]] {
// CHECK-NOT:         nvvm.barrier0
// CHECK:           scf.reduce
// CHECK-NEXT:    } {mapping = [#gpu.loop_dim_map<processor = thread_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
// CHECK-NOT:     scf.parallel
// OFF-LABEL:     func.func @squeeze_excitation
// OFF-COUNT-3:   scf.parallel
// OFF-NOT:       nvvm.barrier0
func.func @squeeze_excitation(%x: memref<64x7x7xf32>, %w1: memref<8x64xf32>,
                              %w2: memref<64x8xf32>) -> memref<64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c7 = arith.constant 7 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  %pool = memref.alloc() : memref<64xf32>
  scf.parallel (%c) = (%c0) to (%c64) step (%c1) {
    memref.store %zero, %pool[%c] : memref<64xf32>
    scf.for %h = %c0 to %c7 step %c1 {
      scf.for %w = %c0 to %c7 step %c1 {
        %v = memref.load %x[%c, %h, %w] : memref<64x7x7xf32>
        %s = memref.load %pool[%c] : memref<64xf32>
        %t = arith.addf %s, %v : f32
        memref.store %t, %pool[%c] : memref<64xf32>
      }
    }
  }
  %hidden = memref.alloc() : memref<8xf32>
  scf.parallel (%j) = (%c0) to (%c8) step (%c1) {
    memref.store %zero, %hidden[%j] : memref<8xf32>
    scf.for %k = %c0 to %c64 step %c1 {
      %v = memref.load %pool[%k] : memref<64xf32>
      %w = memref.load %w1[%j, %k] : memref<8x64xf32>
      %s = memref.load %hidden[%j] : memref<8xf32>
      %p = arith.mulf %v, %w : f32
      %t = arith.addf %s, %p : f32
      memref.store %t, %hidden[%j] : memref<8xf32>
    }
  }
  %gate = memref.alloc() : memref<64xf32>
  scf.parallel (%c) = (%c0) to (%c64) step (%c1) {
    memref.store %zero, %gate[%c] : memref<64xf32>
    scf.for %k = %c0 to %c8 step %c1 {
      %v = memref.load %hidden[%k] : memref<8xf32>
      %w = memref.load %w2[%c, %k] : memref<64x8xf32>
      %s = memref.load %gate[%c] : memref<64xf32>
      %p = arith.mulf %v, %w : f32
      %t = arith.addf %s, %p : f32
      memref.store %t, %gate[%c] : memref<64xf32>
    }
  }
  memref.dealloc %pool : memref<64xf32>
  memref.dealloc %hidden : memref<8xf32>
  return %gate : memref<64xf32>
}

// -----

// Loops of more than one dimension are delinearized from the strided index;
// a block has at most 1024 threads (here 2x1000 iterations, so each thread
// runs two of them).
// CHECK-LABEL: func.func @two_dims
// CHECK:         scf.parallel (%[[T:.*]]) = (%{{.*}}) to (%[[C1024:c1024]])
// CHECK:           scf.for %[[I:.*]] = %[[T]] to %c2000 step %[[C1024]] {
// CHECK-NEXT:        %[[COL:.*]] = arith.remui %[[I]], %[[C1000:c1000[_0-9]*]]
// CHECK-NEXT:        %[[ROW:.*]] = arith.divui %[[I]], %[[C1000]]
// CHECK-NEXT:        memref.load %arg0[%[[ROW]], %[[COL]]]
// CHECK:           nvvm.barrier0
// CHECK:         } {mapping = [#gpu.loop_dim_map<processor = thread_x
func.func @two_dims(%x: memref<2x1000xf32>, %y: memref<1000xf32>)
    -> (memref<2x1000xf32>, memref<1000xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c1000 = arith.constant 1000 : index
  %a = memref.alloc() : memref<2x1000xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %c1000) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<2x1000xf32>
    %e = math.exp %v : f32
    memref.store %e, %a[%i, %j] : memref<2x1000xf32>
  }
  %b = memref.alloc() : memref<1000xf32>
  scf.parallel (%j) = (%c0) to (%c1000) step (%c1) {
    %u = memref.load %a[%c0, %j] : memref<2x1000xf32>
    %v = memref.load %a[%c1, %j] : memref<2x1000xf32>
    %s = arith.addf %u, %v : f32
    memref.store %s, %b[%j] : memref<1000xf32>
  }
  return %a, %b : memref<2x1000xf32>, memref<1000xf32>
}

// -----

// A loop of at most 256 iterations (block-size, the loop-nest kernels'
// threads per block) ran in one block anyway, so it joins whatever its
// work: the global average pool of 32 channels of 128x128 pixels (2^19
// iterations of work), then the product that reads it. With blocks of 16
// threads the pool would have spread over two, and it stays a kernel.
// CHECK-LABEL: func.func @few_iterations_much_work
// CHECK:         scf.parallel
// CHECK:           nvvm.barrier0
// CHECK:         } {mapping = [#gpu.loop_dim_map<processor = thread_x
// CHECK-NOT:     scf.parallel
// BLOCK16-LABEL: func.func @few_iterations_much_work
// BLOCK16-COUNT-2: scf.parallel
// BLOCK16-NOT:   nvvm.barrier0
func.func @few_iterations_much_work(%x: memref<32x16384xf32>,
                                    %w: memref<8x32xf32>) -> memref<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c32 = arith.constant 32 : index
  %c16384 = arith.constant 16384 : index
  %zero = arith.constant 0.0 : f32
  %pool = memref.alloc() : memref<32xf32>
  scf.parallel (%c) = (%c0) to (%c32) step (%c1) {
    memref.store %zero, %pool[%c] : memref<32xf32>
    scf.for %k = %c0 to %c16384 step %c1 {
      %v = memref.load %x[%c, %k] : memref<32x16384xf32>
      %s = memref.load %pool[%c] : memref<32xf32>
      %t = arith.addf %s, %v : f32
      memref.store %t, %pool[%c] : memref<32xf32>
    }
  }
  %out = memref.alloc() : memref<8xf32>
  scf.parallel (%j) = (%c0) to (%c8) step (%c1) {
    memref.store %zero, %out[%j] : memref<8xf32>
    scf.for %k = %c0 to %c32 step %c1 {
      %v = memref.load %pool[%k] : memref<32xf32>
      %u = memref.load %w[%j, %k] : memref<8x32xf32>
      %s = memref.load %out[%j] : memref<8xf32>
      %p = arith.mulf %v, %u : f32
      %t = arith.addf %s, %p : f32
      memref.store %t, %out[%j] : memref<8xf32>
    }
  }
  memref.dealloc %pool : memref<32xf32>
  return %out : memref<8xf32>
}

// -----

// Not small: more than 4096 iterations, more than 256 iterations and more
// than 2^18 iterations of work with the loops inside (512 x 1025), a
// dynamic bound, or iterations whose
// count overflows int64_t (2^40 x 2^24, which wraps to 0). A single small
// loop between them stays as it is.
// CHECK-LABEL: func.func @not_small
// CHECK-COUNT-5: scf.parallel
// CHECK-NOT:     nvvm.barrier0
// CHECK-NOT:     mapping
func.func @not_small(%x: memref<8192xf32>, %m: memref<512x1025xf32>,
                     %n: index) -> (memref<8192xf32>, memref<512xf32>,
                                    memref<8xf32>, memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c512 = arith.constant 512 : index
  %c1025 = arith.constant 1025 : index
  %c8192 = arith.constant 8192 : index
  %c2p40 = arith.constant 1099511627776 : index
  %c2p24 = arith.constant 16777216 : index
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<8192xf32>
  scf.parallel (%i) = (%c0) to (%c8192) step (%c1) {
    %v = memref.load %x[%i] : memref<8192xf32>
    %e = math.exp %v : f32
    memref.store %e, %a[%i] : memref<8192xf32>
  }
  %b = memref.alloc() : memref<512xf32>
  scf.parallel (%i) = (%c0) to (%c512) step (%c1) {
    memref.store %zero, %b[%i] : memref<512xf32>
    scf.for %k = %c0 to %c1025 step %c1 {
      %v = memref.load %m[%i, %k] : memref<512x1025xf32>
      %s = memref.load %b[%i] : memref<512xf32>
      %t = arith.addf %s, %v : f32
      memref.store %t, %b[%i] : memref<512xf32>
    }
  }
  %c = memref.alloc() : memref<8xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %zero, %c[%i] : memref<8xf32>
    scf.for %k = %c0 to %c8 step %c1 {
      %v = memref.load %b[%k] : memref<512xf32>
      %s = memref.load %c[%i] : memref<8xf32>
      %t = arith.addf %s, %v : f32
      memref.store %t, %c[%i] : memref<8xf32>
    }
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%c2p40, %c2p24) step (%c1, %c1) {
    %v = memref.load %c[%c0] : memref<8xf32>
    memref.store %v, %x[%c0] : memref<8192xf32>
  }
  %d = memref.alloc(%n) : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = memref.load %c[%c0] : memref<8xf32>
    memref.store %v, %d[%i] : memref<?xf32>
  }
  return %a, %b, %c, %d : memref<8192xf32>, memref<512xf32>, memref<8xf32>,
                          memref<?xf32>
}
