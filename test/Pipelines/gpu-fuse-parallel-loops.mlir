// uniform-gpu-fuse-parallel-loops: neighbouring scf.parallel ops over the same
// iteration space with only same-index dependences become one loop (one
// kernel), and so do loops over rows with dependences within a row only
// (row fusion, at the end); allocations and deallocations between them, and loops that fuse
// with neither neighbour, are moved out of the way first. A loop moves up
// across kernels (gpu.launch) it is independent of. (The merging of
// light loops that comes last is tested in gpu-merge-light-loops.mlir.)
// RUN: uniform-opt %s --split-input-file \
// RUN:   "--uniform-gpu-fuse-parallel-loops=merge-light-loops=false one-block-chains=false" \
// RUN:   | FileCheck %s

// A convolution as bufferized linalg leaves it: the bias broadcast into the
// accumulator, the accumulation (reduction loops inside), then the ReLU into
// a buffer allocated between the loops. One loop remains, in that order; the
// allocation moves above it and the deallocation below it.
// CHECK-LABEL: func.func @bias_conv_relu
// CHECK:         %[[ACC:.*]] = memref.alloc() : memref<8x16xf32>
// CHECK:         %[[OUT:.*]] = memref.alloc() : memref<8x16xf32>
// CHECK:         scf.parallel (%[[I:.*]], %[[J:.*]]) =
// CHECK:           %[[B:.*]] = memref.load %arg2[%[[J]]]
// CHECK:           memref.store %[[B]], %[[ACC]][%[[I]], %[[J]]]
// CHECK:           scf.for
// CHECK:             memref.load %[[ACC]][%[[I]], %[[J]]]
// CHECK:             memref.store %{{.*}}, %[[ACC]][%[[I]], %[[J]]]
// CHECK:           }
// CHECK:           %[[S:.*]] = memref.load %[[ACC]][%[[I]], %[[J]]]
// CHECK:           arith.maximumf %[[S]]
// CHECK:           memref.store %{{.*}}, %[[OUT]][%[[I]], %[[J]]]
// CHECK:           scf.reduce
// CHECK:         }
// CHECK-NOT:     scf.parallel
// CHECK:         memref.dealloc %[[ACC]]
// CHECK-NEXT:    return %[[OUT]]
func.func @bias_conv_relu(%x: memref<8x4xf32>, %w: memref<16x4xf32>,
                          %bias: memref<16xf32>) -> memref<8x16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  %acc = memref.alloc() : memref<8x16xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c16) step (%c1, %c1) {
    %b = memref.load %bias[%j] : memref<16xf32>
    memref.store %b, %acc[%i, %j] : memref<8x16xf32>
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c16) step (%c1, %c1) {
    scf.for %k = %c0 to %c4 step %c1 {
      %a = memref.load %x[%i, %k] : memref<8x4xf32>
      %b = memref.load %w[%j, %k] : memref<16x4xf32>
      %s = memref.load %acc[%i, %j] : memref<8x16xf32>
      %p = arith.mulf %a, %b : f32
      %t = arith.addf %s, %p : f32
      memref.store %t, %acc[%i, %j] : memref<8x16xf32>
    }
  }
  %out = memref.alloc() : memref<8x16xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c16) step (%c1, %c1) {
    %s = memref.load %acc[%i, %j] : memref<8x16xf32>
    %r = arith.maximumf %s, %zero : f32
    memref.store %r, %out[%i, %j] : memref<8x16xf32>
  }
  memref.dealloc %acc : memref<8x16xf32>
  return %out : memref<8x16xf32>
}

// -----

// The fill of a padded buffer sits between a producer and the loop that
// writes the producer's result into the padding's interior. It fuses with
// neither, reads nothing and writes a buffer neither touches, so it moves
// up and the other two meet.
// CHECK-LABEL: func.func @pad_fill_between
// CHECK:         %[[PAD:.*]] = memref.alloc() : memref<10x10xf32>
// CHECK:         scf.parallel {{.*}} to (%c10, %c10)
// CHECK:           memref.store %{{.*}}, %[[PAD]]
// CHECK:         }
// CHECK:         scf.parallel {{.*}} to (%c8, %c8)
// CHECK:           arith.negf
// CHECK:           arith.maximumf
// CHECK:         }
// CHECK-NOT:     scf.parallel
func.func @pad_fill_between(%x: memref<8x8xf32>) -> memref<10x10xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c10 = arith.constant 10 : index
  %zero = arith.constant 0.0 : f32
  %tmp = memref.alloc() : memref<8x8xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c8) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<8x8xf32>
    %n = arith.negf %v : f32
    memref.store %n, %tmp[%i, %j] : memref<8x8xf32>
  }
  %pad = memref.alloc() : memref<10x10xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c10, %c10) step (%c1, %c1) {
    memref.store %zero, %pad[%i, %j] : memref<10x10xf32>
  }
  %interior = memref.subview %pad[1, 1] [8, 8] [1, 1]
      : memref<10x10xf32> to memref<8x8xf32, strided<[10, 1], offset: 11>>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c8) step (%c1, %c1) {
    %v = memref.load %tmp[%i, %j] : memref<8x8xf32>
    %r = arith.maximumf %v, %zero : f32
    memref.store %r, %interior[%i, %j]
        : memref<8x8xf32, strided<[10, 1], offset: 11>>
  }
  memref.dealloc %tmp : memref<8x8xf32>
  return %pad : memref<10x10xf32>
}

// -----

// A zero fill of an accumulator separated from its accumulation by an
// unrelated loop: the two meet and fuse.
// CHECK-LABEL: func.func @fill_moves_down
// CHECK:         scf.parallel {{.*}} to (%c6)
// CHECK:         scf.parallel {{.*}} to (%c4)
// CHECK:           memref.store %cst, %[[ACC:[a-z_0-9]+]]
// CHECK:           memref.load %arg0
// CHECK:           memref.store %{{.*}}, %[[ACC]]
// CHECK-NOT:     scf.parallel
func.func @fill_moves_down(%x: memref<4xf32>, %y: memref<6xf32>)
    -> (memref<4xf32>, memref<6xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  %zero = arith.constant 0.0 : f32
  %acc = memref.alloc() : memref<4xf32>
  %other = memref.alloc() : memref<6xf32>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %zero, %acc[%i] : memref<4xf32>
  }
  scf.parallel (%i) = (%c0) to (%c6) step (%c1) {
    %v = memref.load %y[%i] : memref<6xf32>
    memref.store %v, %other[%i] : memref<6xf32>
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %a = memref.load %acc[%i] : memref<4xf32>
    %v = memref.load %x[%i] : memref<4xf32>
    %s = arith.addf %a, %v : f32
    memref.store %s, %acc[%i] : memref<4xf32>
  }
  return %acc, %other : memref<4xf32>, memref<6xf32>
}

// -----

// Not fused: the second loop reads a neighbour's element of what the first
// wrote (another thread's result).
// CHECK-LABEL: func.func @stencil_not_fused
// CHECK-COUNT-2: scf.parallel
func.func @stencil_not_fused(%x: memref<9xf32>, %y: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %tmp = memref.alloc() : memref<9xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %x[%i] : memref<9xf32>
    memref.store %v, %tmp[%i] : memref<9xf32>
  }
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %n = arith.addi %i, %c1 : index
    %v = memref.load %tmp[%n] : memref<9xf32>
    memref.store %v, %y[%i] : memref<8xf32>
  }
  memref.dealloc %tmp : memref<9xf32>
  return
}

// -----

// Not moved: the fill writes the buffer that the loop before it reads, so it
// cannot go above that loop; nor can it go below the next loop, which reads
// what it writes at other indices.
// CHECK-LABEL: func.func @conflicting_fill_stays
// CHECK:         scf.parallel {{.*}} to (%c4)
// CHECK:           memref.load %[[BUF:[a-z_0-9]+]]
// CHECK:         scf.parallel {{.*}} to (%c8)
// CHECK:           memref.store %cst, %[[BUF]]
// CHECK:         scf.parallel {{.*}} to (%c4)
// CHECK:           memref.load %[[BUF]]
func.func @conflicting_fill_stays(%y: memref<4xf32>, %z: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %buf = memref.alloc() : memref<8xf32>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %v = memref.load %buf[%i] : memref<8xf32>
    memref.store %v, %y[%i] : memref<4xf32>
  }
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    memref.store %zero, %buf[%i] : memref<8xf32>
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %n = arith.addi %i, %c4 : index
    %v = memref.load %buf[%n] : memref<8xf32>
    memref.store %v, %z[%i] : memref<4xf32>
  }
  memref.dealloc %buf : memref<8xf32>
  return
}

// -----

// Not fused: the second loop reads the whole buffer through another view of
// it, which may hold what other threads of the first loop wrote.
// CHECK-LABEL: func.func @aliasing_view_not_fused
// CHECK-COUNT-2: scf.parallel
func.func @aliasing_view_not_fused(%x: memref<4x4xf32>, %y: memref<4x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %buf = memref.alloc() : memref<4x4xf32>
  %flat = memref.collapse_shape %buf [[0, 1]] : memref<4x4xf32> into memref<16xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c4) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<4x4xf32>
    memref.store %v, %buf[%i, %j] : memref<4x4xf32>
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c4) step (%c1, %c1) {
    %v = memref.load %flat[%j] : memref<16xf32>
    memref.store %v, %y[%i, %j] : memref<4x4xf32>
  }
  memref.dealloc %buf : memref<4x4xf32>
  return
}

// -----

// Fused across a kernel (a gpu.launch built before the loops, such as a
// tensor-core contraction's) that neither reads nor writes what the later
// loop accesses: the loop moves up across it. The kernel's workgroup
// memory and barriers are its own. The allocation the loop writes moves up
// too.
// CHECK-LABEL: func.func @across_kernel
// CHECK:         %[[Y:.*]] = memref.alloc() : memref<4xf32>
// CHECK:         %[[K:.*]] = memref.alloc() : memref<4xf32>
// CHECK:         %[[Z:.*]] = memref.alloc() : memref<4xf32>
// CHECK:         scf.parallel
// CHECK:           memref.store %{{.*}}, %[[Y]]
// CHECK:           memref.store %{{.*}}, %[[Z]]
// CHECK-NOT:     scf.parallel
// CHECK:         gpu.launch
// CHECK:           memref.store %{{.*}}, %[[K]]
// CHECK-NOT:     scf.parallel
// CHECK:         return %[[Y]], %[[K]], %[[Z]]
memref.global "private" @tile : memref<4xf32, #gpu.address_space<workgroup>>
func.func @across_kernel(%x: memref<4xf32>) -> (memref<4xf32>, memref<4xf32>, memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %y = memref.alloc() : memref<4xf32>
  %k = memref.alloc() : memref<4xf32>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %v = memref.load %x[%i] : memref<4xf32>
    memref.store %v, %y[%i] : memref<4xf32>
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    %tile = memref.get_global @tile : memref<4xf32, #gpu.address_space<workgroup>>
    %v = memref.load %x[%tx] : memref<4xf32>
    memref.store %v, %tile[%tx] : memref<4xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %w = memref.load %tile[%c0] : memref<4xf32, #gpu.address_space<workgroup>>
    memref.store %w, %k[%tx] : memref<4xf32>
    gpu.terminator
  }
  %z = memref.alloc() : memref<4xf32>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %v = memref.load %x[%i] : memref<4xf32>
    %d = arith.addf %v, %v : f32
    memref.store %d, %z[%i] : memref<4xf32>
  }
  return %y, %k, %z : memref<4xf32>, memref<4xf32>, memref<4xf32>
}

// -----

// Not fused across a kernel that writes what the later loop reads (with a
// vector.store: the kernel's ops are read by their memory effects).
// CHECK-LABEL: func.func @kernel_writes_input
// CHECK:         scf.parallel
// CHECK:         gpu.launch
// CHECK:         scf.parallel
func.func @kernel_writes_input(%x: memref<4xf32>) -> (memref<4xf32>, memref<4xf32>, memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %y = memref.alloc() : memref<4xf32>
  %z = memref.alloc() : memref<4xf32>
  %w = memref.alloc() : memref<4xf32>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %v = memref.load %x[%i] : memref<4xf32>
    memref.store %v, %y[%i] : memref<4xf32>
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    %v = vector.load %x[%c0] : memref<4xf32>, vector<4xf32>
    vector.store %v, %z[%c0] : memref<4xf32>, vector<4xf32>
    gpu.terminator
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %v = memref.load %z[%i] : memref<4xf32>
    memref.store %v, %w[%i] : memref<4xf32>
  }
  return %y, %z, %w : memref<4xf32>, memref<4xf32>, memref<4xf32>
}

// -----

// Not fused across an op with side effects other than allocation: a copy
// (gpu.memcpy can do it: no loop writes its source, and no loop of its shape
// reads or writes its target).
// CHECK-LABEL: func.func @copy_separates
// CHECK:         scf.parallel
// CHECK:         memref.copy
// CHECK:         scf.parallel
func.func @copy_separates(%x: memref<4xf32>, %y: memref<4xf32>, %z: memref<4xf32>,
                          %w: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %v = memref.load %x[%i] : memref<4xf32>
    memref.store %v, %y[%i] : memref<4xf32>
  }
  memref.copy %w, %z : memref<4xf32> to memref<4xf32>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %v = memref.load %y[%i] : memref<4xf32>
    memref.store %v, %x[%i] : memref<4xf32>
  }
  return
}

// -----

// A bias copied into the accumulator of a matrix-vector product (a 1x1
// convolution on one pixel, as squeeze-and-excitation blocks have them)
// becomes a loop in the accumulator's shape and fuses into the product as
// its initialization, instead of a memcpy that splits the loops around it.
// CHECK-LABEL: func.func @bias_copy_fuses
// CHECK-NOT:     memref.copy
// CHECK:         scf.parallel (%[[I:.*]]) =
// CHECK-NEXT:      %[[B:.*]] = memref.load %arg2[%[[I]]]
// CHECK-NEXT:      memref.store %[[B]], %[[ACC:.*]][%[[I]]]
// CHECK:           scf.for
// CHECK:             memref.load %[[ACC]][%[[I]]]
// CHECK:         }
// CHECK-NOT:     scf.parallel
// CHECK-NOT:     memref.copy
func.func @bias_copy_fuses(%x: memref<16xf32>, %w: memref<4x16xf32>,
                           %bias: memref<4xf32>) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %acc = memref.alloc() : memref<4xf32>
  memref.copy %bias, %acc : memref<4xf32> to memref<4xf32>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    scf.for %k = %c0 to %c16 step %c1 {
      %a = memref.load %x[%k] : memref<16xf32>
      %b = memref.load %w[%i, %k] : memref<4x16xf32>
      %s = memref.load %acc[%i] : memref<4xf32>
      %p = arith.mulf %a, %b : f32
      %t = arith.addf %s, %p : f32
      memref.store %t, %acc[%i] : memref<4xf32>
    }
  }
  return %acc : memref<4xf32>
}

// -----

// One head's result copied into its slice of the concatenation through a
// reshape (the copy gpu.memcpy cannot do: its target is strided): the copy
// becomes a loop in the shape of the buffer it reads, with the reshape
// applied to the target instead, and fuses with the loop that produces
// that buffer. (The concatenation is a fresh allocation, as in bufferized
// models: a function argument might alias the input.)
// CHECK-LABEL: func.func @concat_copy_fuses
// CHECK:         %[[CONCAT:.*]] = memref.alloc() : memref<2x2x12xf32>
// CHECK:         %[[SLICE:.*]] = memref.subview %[[CONCAT]][0, 1, 0] [2, 1, 12] [1, 1, 1]
// CHECK:         %[[VIEW:.*]] = memref.expand_shape %[[SLICE]] {{\[}}[0], [1], [2, 3]] output_shape [2, 1, 3, 4]
// CHECK:         %[[HEAD:.*]] = memref.collapse_shape %[[VIEW]] {{\[}}[0, 1], [2], [3]]
// CHECK:         scf.parallel (%[[I:.*]], %[[J:.*]], %[[K:.*]]) = {{.*}} to (%c2, %c3, %c4)
// CHECK:           %[[V:.*]] = arith.negf
// CHECK:           memref.store %[[V]], %[[TMP:.*]][%[[I]], %[[J]], %[[K]]]
// CHECK:           %[[W:.*]] = memref.load %[[TMP]][%[[I]], %[[J]], %[[K]]]
// CHECK:           memref.store %[[W]], %[[HEAD]][%[[I]], %[[J]], %[[K]]]
// CHECK-NOT:     scf.parallel
// CHECK-NOT:     memref.copy
func.func @concat_copy_fuses(%x: memref<2x3x4xf32>) -> memref<2x2x12xf32> {
  %concat = memref.alloc() : memref<2x2x12xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %tmp = memref.alloc() : memref<2x3x4xf32>
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%c2, %c3, %c4) step (%c1, %c1, %c1) {
    %v = memref.load %x[%i, %j, %k] : memref<2x3x4xf32>
    %n = arith.negf %v : f32
    memref.store %n, %tmp[%i, %j, %k] : memref<2x3x4xf32>
  }
  %expanded = memref.expand_shape %tmp [[0, 1], [2], [3]] output_shape [2, 1, 3, 4]
      : memref<2x3x4xf32> into memref<2x1x3x4xf32>
  %flat = memref.collapse_shape %expanded [[0], [1], [2, 3]]
      : memref<2x1x3x4xf32> into memref<2x1x12xf32>
  %slice = memref.subview %concat[0, 1, 0] [2, 1, 12] [1, 1, 1]
      : memref<2x2x12xf32> to memref<2x1x12xf32, strided<[24, 12, 1], offset: 12>>
  memref.copy %flat, %slice
      : memref<2x1x12xf32> to memref<2x1x12xf32, strided<[24, 12, 1], offset: 12>>
  memref.dealloc %tmp : memref<2x3x4xf32>
  return %concat : memref<2x2x12xf32>
}

// -----

// A copy that gpu.memcpy could do (both sides contiguous) becomes a loop as
// well when a loop of its source's shape writes the source: it then fuses
// with that loop rather than being a memcpy that splits the chain. (A head's
// result copied into its contiguous slice of a concatenation.)
// CHECK-LABEL: func.func @contiguous_copy_fuses
// CHECK:         %[[SLICE:.*]] = memref.subview %{{.*}}[1, 0] [1, 6] [1, 1]
// CHECK:         %[[ROW:.*]] = memref.collapse_shape %[[SLICE]] {{\[}}[0, 1]]
// CHECK:         %[[TARGET:.*]] = memref.expand_shape %[[ROW]] {{\[}}[0, 1]] output_shape [2, 3]
// CHECK:         scf.parallel (%[[I:.*]], %[[J:.*]]) = {{.*}} to (%c2, %c3)
// CHECK:           %[[V:.*]] = arith.negf
// CHECK:           memref.store %[[V]], %[[TMP:.*]][%[[I]], %[[J]]]
// CHECK:           %[[W:.*]] = memref.load %[[TMP]][%[[I]], %[[J]]]
// CHECK:           memref.store %[[W]], %[[TARGET]][%[[I]], %[[J]]]
// CHECK-NOT:     scf.parallel
// CHECK-NOT:     memref.copy
func.func @contiguous_copy_fuses(%x: memref<2x3xf32>) -> memref<2x6xf32> {
  %concat = memref.alloc() : memref<2x6xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %tmp = memref.alloc() : memref<2x3xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %c3) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<2x3xf32>
    %n = arith.negf %v : f32
    memref.store %n, %tmp[%i, %j] : memref<2x3xf32>
  }
  %flat = memref.collapse_shape %tmp [[0, 1]] : memref<2x3xf32> into memref<6xf32>
  %row = memref.expand_shape %flat [[0, 1]] output_shape [1, 6]
      : memref<6xf32> into memref<1x6xf32>
  %slice = memref.subview %concat[1, 0] [1, 6] [1, 1]
      : memref<2x6xf32> to memref<1x6xf32, strided<[6, 1], offset: 6>>
  memref.copy %row, %slice
      : memref<1x6xf32> to memref<1x6xf32, strided<[6, 1], offset: 6>>
  memref.dealloc %tmp : memref<2x3xf32>
  return %concat : memref<2x6xf32>
}

// -----

// Two heads, each a producer and a consumer that reads its neighbours
// (a convolution window): neither consumer can join its producer, but the
// second producer moves up into the first (they are independent) and the
// second consumer into the first: two loops, not four.
// CHECK-LABEL: func.func @heads_interleaved
// CHECK:         scf.parallel
// CHECK:           memref.store %{{.*}}, %[[P1:[a-z_0-9]+]][
// CHECK:           memref.store %{{.*}}, %[[P2:[a-z_0-9]+]][
// CHECK:         }
// CHECK:         scf.parallel
// CHECK:           memref.load %[[P1]]
// CHECK:           memref.load %[[P2]]
// CHECK:         }
// CHECK-NOT:     scf.parallel
func.func @heads_interleaved(%x: memref<9xf32>, %y: memref<9xf32>)
    -> (memref<8xf32>, memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %p1 = memref.alloc() : memref<9xf32>
  %p2 = memref.alloc() : memref<9xf32>
  %o1 = memref.alloc() : memref<8xf32>
  %o2 = memref.alloc() : memref<8xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %x[%i] : memref<9xf32>
    %n = arith.negf %v : f32
    memref.store %n, %p1[%i] : memref<9xf32>
  }
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %j = arith.addi %i, %c1 : index
    %v = memref.load %p1[%j] : memref<9xf32>
    memref.store %v, %o1[%i] : memref<8xf32>
  }
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %y[%i] : memref<9xf32>
    %n = arith.negf %v : f32
    memref.store %n, %p2[%i] : memref<9xf32>
  }
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %j = arith.addi %i, %c1 : index
    %v = memref.load %p2[%j] : memref<9xf32>
    memref.store %v, %o2[%i] : memref<8xf32>
  }
  memref.dealloc %p1 : memref<9xf32>
  memref.dealloc %p2 : memref<9xf32>
  return %o1, %o2 : memref<8xf32>, memref<8xf32>
}

// -----

// Not fused: both loops write one buffer, at different elements of the same
// iteration (the second's writes must land after all of the first's).
// CHECK-LABEL: func.func @write_after_write_not_fused
// CHECK-COUNT-2: scf.parallel
func.func @write_after_write_not_fused(%x: memref<8xf32>) -> memref<9xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %cst = arith.constant 1.0 : f32
  %buf = memref.alloc() : memref<9xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %x[%i] : memref<8xf32>
    memref.store %v, %buf[%i] : memref<9xf32>
  }
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %j = arith.addi %i, %c1 : index
    memref.store %cst, %buf[%j] : memref<9xf32>
  }
  return %buf : memref<9xf32>
}

// -----

// Independent loops of one shape that each bounds-check their reads (as
// convolutions that read a padded input in place do) fuse only while the
// fused loop holds at most 8 index comparisons: LLVM hoists them as
// predicates, and a thread has 7. Three such loops of 4 make two loops.
// CHECK-LABEL: func.func @bounds_checks_limit_fusion
// CHECK:         scf.parallel
// CHECK-COUNT-8:   arith.cmpi
// CHECK:         }
// CHECK:         scf.parallel
// CHECK-COUNT-4:   arith.cmpi
// CHECK:         }
// CHECK-NOT:     scf.parallel
func.func @bounds_checks_limit_fusion(%x: memref<8x8xf32>)
    -> (memref<8x8xf32>, memref<8x8xf32>, memref<8x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %o1 = memref.alloc() : memref<8x8xf32>
  %o2 = memref.alloc() : memref<8x8xf32>
  %o3 = memref.alloc() : memref<8x8xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c8) step (%c1, %c1) {
    %a = arith.cmpi sge, %i, %c1 : index
    %b = arith.cmpi slt, %i, %c8 : index
    %c = arith.cmpi sge, %j, %c1 : index
    %d = arith.cmpi slt, %j, %c8 : index
    %ab = arith.andi %a, %b : i1
    %cd = arith.andi %c, %d : i1
    %in = arith.andi %ab, %cd : i1
    %v = memref.load %x[%i, %j] : memref<8x8xf32>
    %s = arith.select %in, %v, %zero : f32
    memref.store %s, %o1[%i, %j] : memref<8x8xf32>
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c8) step (%c1, %c1) {
    %a = arith.cmpi sge, %i, %c1 : index
    %b = arith.cmpi slt, %i, %c8 : index
    %c = arith.cmpi sge, %j, %c1 : index
    %d = arith.cmpi slt, %j, %c8 : index
    %ab = arith.andi %a, %b : i1
    %cd = arith.andi %c, %d : i1
    %in = arith.andi %ab, %cd : i1
    %v = memref.load %x[%i, %j] : memref<8x8xf32>
    %s = arith.select %in, %v, %zero : f32
    memref.store %s, %o2[%i, %j] : memref<8x8xf32>
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c8) step (%c1, %c1) {
    %a = arith.cmpi sge, %i, %c1 : index
    %b = arith.cmpi slt, %i, %c8 : index
    %c = arith.cmpi sge, %j, %c1 : index
    %d = arith.cmpi slt, %j, %c8 : index
    %ab = arith.andi %a, %b : i1
    %cd = arith.andi %c, %d : i1
    %in = arith.andi %ab, %cd : i1
    %v = memref.load %x[%i, %j] : memref<8x8xf32>
    %s = arith.select %in, %v, %zero : f32
    memref.store %s, %o3[%i, %j] : memref<8x8xf32>
  }
  return %o1, %o2, %o3 : memref<8x8xf32>, memref<8x8xf32>, memref<8x8xf32>
}

// -----

// Row fusion: LayerNorm's statistics as bufferized linalg leaves them, one
// loop per row (the mean, a reduction), one per element (the centring, which
// reads its row's mean), one per row again (the variance, which reads its
// row of the centred values). Each reads only what its own row wrote, so
// they become one loop over the rows: the centring's column dimension runs
// sequentially inside it, as the reductions' loops do.
// CHECK-LABEL: func.func @layernorm_rows
// CHECK:         scf.parallel (%[[R:.*]]) =
// CHECK:           scf.for %[[K:.*]] =
// CHECK:             memref.load %arg0[%[[R]], %[[K]]]
// CHECK:             memref.store %{{.*}}, %[[MEAN:.*]][%[[R]]]
// CHECK:           }
// CHECK:           scf.for %[[C:.*]] = %c0 to %c64 step %c1 {
// CHECK:             memref.load %arg0[%[[R]], %[[C]]]
// CHECK:             memref.load %[[MEAN]][%[[R]]]
// CHECK:             arith.subf
// CHECK:             memref.store %{{.*}}, %[[D:.*]][%[[R]], %[[C]]]
// CHECK:           }
// CHECK:           scf.for %[[K2:.*]] =
// CHECK:             memref.load %[[D]][%[[R]], %[[K2]]]
// CHECK:             memref.store %{{.*}}, %[[VAR:.*]][%[[R]]]
// CHECK:           }
// CHECK:           scf.reduce
// CHECK:         }
// CHECK-NOT:     scf.parallel
// CHECK:         return
func.func @layernorm_rows(%x: memref<8x64xf32>)
    -> (memref<8x64xf32>, memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  %mean = memref.alloc() : memref<8xf32>
  scf.parallel (%r) = (%c0) to (%c8) step (%c1) {
    memref.store %zero, %mean[%r] : memref<8xf32>
    scf.for %k = %c0 to %c64 step %c1 {
      %v = memref.load %x[%r, %k] : memref<8x64xf32>
      %s = memref.load %mean[%r] : memref<8xf32>
      %t = arith.addf %s, %v : f32
      memref.store %t, %mean[%r] : memref<8xf32>
    }
  }
  %d = memref.alloc() : memref<8x64xf32>
  scf.parallel (%r, %c) = (%c0, %c0) to (%c8, %c64) step (%c1, %c1) {
    %v = memref.load %x[%r, %c] : memref<8x64xf32>
    %m = memref.load %mean[%r] : memref<8xf32>
    %t = arith.subf %v, %m : f32
    memref.store %t, %d[%r, %c] : memref<8x64xf32>
  }
  %var = memref.alloc() : memref<8xf32>
  scf.parallel (%r) = (%c0) to (%c8) step (%c1) {
    memref.store %zero, %var[%r] : memref<8xf32>
    scf.for %k = %c0 to %c64 step %c1 {
      %v = memref.load %d[%r, %k] : memref<8x64xf32>
      %s = memref.load %var[%r] : memref<8xf32>
      %p = arith.mulf %v, %v : f32
      %t = arith.addf %s, %p : f32
      memref.store %t, %var[%r] : memref<8xf32>
    }
  }
  memref.dealloc %mean : memref<8xf32>
  return %d, %var : memref<8x64xf32>, memref<8xf32>
}

// -----

// No row fusion where the elementwise loop reads another row's result (the
// first row's mean, at a constant index).
// CHECK-LABEL: func.func @no_row_fusion_other_row
// CHECK:         scf.parallel (%{{.*}}) =
// CHECK:           scf.for
// CHECK:         scf.parallel (%{{.*}}, %{{.*}}) =
// CHECK-NOT:     scf.parallel
func.func @no_row_fusion_other_row(%x: memref<8x64xf32>) -> memref<8x64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  %mean = memref.alloc() : memref<8xf32>
  scf.parallel (%r) = (%c0) to (%c8) step (%c1) {
    memref.store %zero, %mean[%r] : memref<8xf32>
    scf.for %k = %c0 to %c64 step %c1 {
      %v = memref.load %x[%r, %k] : memref<8x64xf32>
      %s = memref.load %mean[%r] : memref<8xf32>
      %t = arith.addf %s, %v : f32
      memref.store %t, %mean[%r] : memref<8xf32>
    }
  }
  %d = memref.alloc() : memref<8x64xf32>
  scf.parallel (%r, %c) = (%c0, %c0) to (%c8, %c64) step (%c1, %c1) {
    %v = memref.load %x[%r, %c] : memref<8x64xf32>
    %m = memref.load %mean[%c0] : memref<8xf32>
    %t = arith.subf %v, %m : f32
    memref.store %t, %d[%r, %c] : memref<8x64xf32>
  }
  memref.dealloc %mean : memref<8xf32>
  return %d : memref<8x64xf32>
}

// -----

// No row fusion where the row loop does no row of work of its own (a fill:
// the elementwise loop would lose its parallelism for nothing).
// CHECK-LABEL: func.func @no_row_fusion_light_host
// CHECK:         scf.parallel (%{{.*}}) =
// CHECK-NOT:       scf.for
// CHECK:         scf.parallel (%{{.*}}, %{{.*}}) =
// CHECK-NOT:     scf.parallel
func.func @no_row_fusion_light_host(%x: memref<8x64xf32>, %y: memref<8xf32>)
    -> memref<8x64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %fill = memref.alloc() : memref<8xf32>
  scf.parallel (%r) = (%c0) to (%c8) step (%c1) {
    %v = memref.load %y[%r] : memref<8xf32>
    %e = math.exp %v : f32
    memref.store %e, %fill[%r] : memref<8xf32>
  }
  %d = memref.alloc() : memref<8x64xf32>
  scf.parallel (%r, %c) = (%c0, %c0) to (%c8, %c64) step (%c1, %c1) {
    %v = memref.load %x[%r, %c] : memref<8x64xf32>
    %m = memref.load %fill[%r] : memref<8xf32>
    %t = arith.subf %v, %m : f32
    memref.store %t, %d[%r, %c] : memref<8x64xf32>
  }
  memref.dealloc %fill : memref<8xf32>
  return %d : memref<8x64xf32>
}

// -----

// No row fusion of rows longer than 4096 elements: one thread would run
// them all.
// CHECK-LABEL: func.func @no_row_fusion_long_rows
// CHECK:         scf.parallel (%{{.*}}) =
// CHECK:           scf.for
// CHECK:         scf.parallel (%{{.*}}, %{{.*}}) =
// CHECK-NOT:     scf.parallel
func.func @no_row_fusion_long_rows(%y: memref<2x8192xf32>)
    -> memref<2x8192xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8192 = arith.constant 8192 : index
  %zero = arith.constant 0.0 : f32
  %sum = memref.alloc() : memref<2xf32>
  scf.parallel (%r) = (%c0) to (%c2) step (%c1) {
    memref.store %zero, %sum[%r] : memref<2xf32>
    scf.for %k = %c0 to %c8192 step %c1 {
      %v = memref.load %y[%r, %k] : memref<2x8192xf32>
      %s = memref.load %sum[%r] : memref<2xf32>
      %t = arith.addf %s, %v : f32
      memref.store %t, %sum[%r] : memref<2xf32>
    }
  }
  %f = memref.alloc() : memref<2x8192xf32>
  scf.parallel (%r, %c) = (%c0, %c0) to (%c2, %c8192) step (%c1, %c1) {
    %v = memref.load %y[%r, %c] : memref<2x8192xf32>
    %m = memref.load %sum[%r] : memref<2xf32>
    %t = arith.subf %v, %m : f32
    memref.store %t, %f[%r, %c] : memref<2x8192xf32>
  }
  memref.dealloc %sum : memref<2xf32>
  return %f : memref<2x8192xf32>
}
