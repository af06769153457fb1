// uniform-gpu-plan-buffers: a host function's intermediate device buffers
// become views of one allocation per call, sharing memory where their
// lifetimes (first to last access in the entry block) do not overlap.
// RUN: uniform-opt %s --split-input-file --uniform-gpu-plan-buffers | FileCheck %s

// Three buffers, allocated first and freed last (as loop fusion moves
// them): %a (1 KiB) lives from the first kernel to the second, %b (512 B,
// accessed only through a subview) from the second to the third, %c (1 KiB)
// from the third to the fourth. The largest first: %a at 0, %c at 0 (not live with
// %a), %b at 1024 (live with both). One 1536-byte arena, freed at the
// return; the buffers' own frees go.
// CHECK-LABEL: func.func @chain
// CHECK-SAME:      (%[[IN:.*]]: memref<256xf32>, %[[OUT:.*]]: memref<256xf32>)
// CHECK:         %[[ARENA:.*]] = gpu.alloc () : memref<1536xi8>
// CHECK:         %[[A:.*]] = memref.view %[[ARENA]][%c0{{[_0-9]*}}][] : memref<1536xi8> to memref<256xf32>
// CHECK:         %[[B:.*]] = memref.view %[[ARENA]][%c1024{{[_0-9]*}}][] : memref<1536xi8> to memref<128xf32>
// CHECK:         %[[C:.*]] = memref.view %[[ARENA]][%c0{{[_0-9]*}}][] : memref<1536xi8> to memref<256xf32>
// CHECK-NOT:     gpu.alloc
// CHECK-COUNT-4: gpu.launch
// CHECK-NOT:     gpu.dealloc %[[A]]
// CHECK:         gpu.dealloc %[[ARENA]] : memref<1536xi8>
// CHECK-NEXT:    return
func.func @chain(%in: memref<256xf32>, %out: memref<256xf32>) {
  %c1 = arith.constant 1 : index
  %a = gpu.alloc () : memref<256xf32>
  %b = gpu.alloc () : memref<128xf32>
  %c = gpu.alloc () : memref<256xf32>
  %bsub = memref.subview %b[0] [64] [1] : memref<128xf32> to memref<64xf32, strided<[1]>>
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %w = %c1) {
    %i = arith.constant 0 : index
    %e = memref.load %in[%i] : memref<256xf32>
    memref.store %e, %a[%i] : memref<256xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %w = %c1) {
    %i = arith.constant 0 : index
    %e = memref.load %a[%i] : memref<256xf32>
    memref.store %e, %bsub[%i] : memref<64xf32, strided<[1]>>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %w = %c1) {
    %i = arith.constant 0 : index
    %e = memref.load %bsub[%i] : memref<64xf32, strided<[1]>>
    memref.store %e, %c[%i] : memref<256xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %w = %c1) {
    %i = arith.constant 0 : index
    %e = memref.load %c[%i] : memref<256xf32>
    memref.store %e, %out[%i] : memref<256xf32>
    gpu.terminator
  }
  gpu.dealloc %a : memref<256xf32>
  gpu.dealloc %b : memref<128xf32>
  gpu.dealloc %c : memref<256xf32>
  return
}

// -----

// Buffers that keep their own allocations: the result (returned), a
// constant global's device copy (kept from call to call by
// uniform-gpu-resident-constants), one a host call takes, one of dynamic
// size. With fewer than two left (here one, %tmp), nothing changes.
// CHECK-LABEL: func.func @apart
// CHECK-NOT:     memref.view
// CHECK-COUNT-5: gpu.alloc
// CHECK-NOT:     memref.view
// CHECK:         return
memref.global "private" constant @weights : memref<8xf32> = dense<1.0>
func.func private @host_use(memref<8xf32>)
func.func @apart(%n: index) -> memref<8xf32> {
  %c1 = arith.constant 1 : index
  %result = gpu.alloc () : memref<8xf32>
  %w = memref.get_global @weights : memref<8xf32>
  %wdev = gpu.alloc () : memref<8xf32>
  gpu.memcpy %wdev, %w : memref<8xf32>, memref<8xf32>
  %host = gpu.alloc () : memref<8xf32>
  call @host_use(%host) : (memref<8xf32>) -> ()
  %dyn = gpu.alloc (%n) : memref<?xf32>
  %tmp = gpu.alloc () : memref<8xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %w2 = %c1) {
    %i = arith.constant 0 : index
    %e = memref.load %wdev[%i] : memref<8xf32>
    memref.store %e, %tmp[%i] : memref<8xf32>
    memref.store %e, %dyn[%i] : memref<?xf32>
    %f = memref.load %tmp[%i] : memref<8xf32>
    memref.store %f, %result[%i] : memref<8xf32>
    gpu.terminator
  }
  gpu.dealloc %wdev : memref<8xf32>
  gpu.dealloc %host : memref<8xf32>
  gpu.dealloc %dyn : memref<?xf32>
  gpu.dealloc %tmp : memref<8xf32>
  return %result : memref<8xf32>
}
