// cp.async (nvgpu.device_async_copy) and ldmatrix (nvgpu.ldmatrix), through
// uniform-gpu-pipeline (format=llvm) on the CUDA emulator: each lane copies
// one 16-byte row of a 32 x 8 f16 matrix into shared memory with cp.async,
// waits for its group, and after a barrier the warp loads the four 8 x 8
// matrices with ldmatrix.x4 (and .trans). Inputs/ldmatrix_reference.py
// checks every lane's registers against the PTX ISA's description.

// RUN: uniform-opt %s --uniform-gpu-pipeline=format=llvm -o %t.mlir
// RUN: %python %S/Inputs/ldmatrix_reference.py make %t.x.npy
// RUN: uniform-run %t.mlir --entry rows --device=cuda-emulator --input %t.x.npy --output %t.rows.npy
// RUN: %python %S/Inputs/ldmatrix_reference.py check %t.rows.npy rows | FileCheck %s
// RUN: uniform-run %t.mlir --entry columns --device=cuda-emulator --input %t.x.npy --output %t.columns.npy
// RUN: %python %S/Inputs/ldmatrix_reference.py check %t.columns.npy trans | FileCheck %s
// CHECK: match

// The copy lands when a wait retires its group: ldmatrix before the wait
// reads shared memory that nothing has written yet (each lane reads the row
// its own copy will write, so this is not a race between threads).
// RUN: not uniform-run %t.mlir --entry read_before_wait --device=cuda-emulator --input %t.x.npy 2>&1 | FileCheck %s --check-prefix=EARLY
// EARLY: uniform-cuda-emulator: error: kernel 'read_before_wait_kernel' (module #{{[0-9]+}}, launch #0), block (0,0,0), thread (0,0,0): read of byte 0 of 'tile', which no thread of the block has written (uninitialized shared memory)
// EARLY-NEXT: at: {{.*}}@llvm.nvvm.ldmatrix.sync.aligned.m8n8.x4.b16

#shared = #gpu.address_space<workgroup>
memref.global "private" @tile : memref<32x8xf16, #shared>

func.func @rows(%x: tensor<32x8xf16>) -> tensor<32x4x2xf16> {
  %in = bufferization.to_buffer %x : tensor<32x8xf16> to memref<32x8xf16>
  %out = memref.alloc() : memref<32x4x2xf16>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t, %t1, %t2) in (%n0 = %c32, %n1 = %c1, %n2 = %c1) {
    %tile = memref.get_global @tile : memref<32x8xf16, #shared>
    %copy = nvgpu.device_async_copy %in[%t, %c0], %tile[%t, %c0], 8 : memref<32x8xf16> to memref<32x8xf16, #shared>
    %group = nvgpu.device_async_create_group %copy
    nvgpu.device_async_wait %group
    gpu.barrier
    %frag = nvgpu.ldmatrix %tile[%t, %c0] {numTiles = 4 : i32, transpose = false} : memref<32x8xf16, #shared> -> vector<4x2xf16>
    %c1r = arith.constant 1 : index
    %c2r = arith.constant 2 : index
    %c3r = arith.constant 3 : index
    %r0 = vector.extract %frag[0] : vector<2xf16> from vector<4x2xf16>
    %r1 = vector.extract %frag[1] : vector<2xf16> from vector<4x2xf16>
    %r2 = vector.extract %frag[2] : vector<2xf16> from vector<4x2xf16>
    %r3 = vector.extract %frag[3] : vector<2xf16> from vector<4x2xf16>
    vector.store %r0, %out[%t, %c0, %c0] : memref<32x4x2xf16>, vector<2xf16>
    vector.store %r1, %out[%t, %c1r, %c0] : memref<32x4x2xf16>, vector<2xf16>
    vector.store %r2, %out[%t, %c2r, %c0] : memref<32x4x2xf16>, vector<2xf16>
    vector.store %r3, %out[%t, %c3r, %c0] : memref<32x4x2xf16>, vector<2xf16>
    gpu.terminator
  }
  %r = bufferization.to_tensor %out restrict : memref<32x4x2xf16> to tensor<32x4x2xf16>
  return %r : tensor<32x4x2xf16>
}

func.func @columns(%x: tensor<32x8xf16>) -> tensor<32x4x2xf16> {
  %in = bufferization.to_buffer %x : tensor<32x8xf16> to memref<32x8xf16>
  %out = memref.alloc() : memref<32x4x2xf16>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t, %t1, %t2) in (%n0 = %c32, %n1 = %c1, %n2 = %c1) {
    %tile = memref.get_global @tile : memref<32x8xf16, #shared>
    %copy = nvgpu.device_async_copy %in[%t, %c0], %tile[%t, %c0], 8 : memref<32x8xf16> to memref<32x8xf16, #shared>
    %group = nvgpu.device_async_create_group %copy
    nvgpu.device_async_wait %group
    gpu.barrier
    %frag = nvgpu.ldmatrix %tile[%t, %c0] {numTiles = 4 : i32, transpose = true} : memref<32x8xf16, #shared> -> vector<4x2xf16>
    %c1r = arith.constant 1 : index
    %c2r = arith.constant 2 : index
    %c3r = arith.constant 3 : index
    %r0 = vector.extract %frag[0] : vector<2xf16> from vector<4x2xf16>
    %r1 = vector.extract %frag[1] : vector<2xf16> from vector<4x2xf16>
    %r2 = vector.extract %frag[2] : vector<2xf16> from vector<4x2xf16>
    %r3 = vector.extract %frag[3] : vector<2xf16> from vector<4x2xf16>
    vector.store %r0, %out[%t, %c0, %c0] : memref<32x4x2xf16>, vector<2xf16>
    vector.store %r1, %out[%t, %c1r, %c0] : memref<32x4x2xf16>, vector<2xf16>
    vector.store %r2, %out[%t, %c2r, %c0] : memref<32x4x2xf16>, vector<2xf16>
    vector.store %r3, %out[%t, %c3r, %c0] : memref<32x4x2xf16>, vector<2xf16>
    gpu.terminator
  }
  %r = bufferization.to_tensor %out restrict : memref<32x4x2xf16> to tensor<32x4x2xf16>
  return %r : tensor<32x4x2xf16>
}

func.func @read_before_wait(%x: tensor<32x8xf16>) -> tensor<32x4x2xf16> {
  %in = bufferization.to_buffer %x : tensor<32x8xf16> to memref<32x8xf16>
  %out = memref.alloc() : memref<32x4x2xf16>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t, %t1, %t2) in (%n0 = %c32, %n1 = %c1, %n2 = %c1) {
    %tile = memref.get_global @tile : memref<32x8xf16, #shared>
    %copy = nvgpu.device_async_copy %in[%t, %c0], %tile[%t, %c0], 8 : memref<32x8xf16> to memref<32x8xf16, #shared>
    %group = nvgpu.device_async_create_group %copy
    %frag = nvgpu.ldmatrix %tile[%t, %c0] {numTiles = 4 : i32, transpose = false} : memref<32x8xf16, #shared> -> vector<4x2xf16>
    nvgpu.device_async_wait %group
    %c1r = arith.constant 1 : index
    %c2r = arith.constant 2 : index
    %c3r = arith.constant 3 : index
    %r0 = vector.extract %frag[0] : vector<2xf16> from vector<4x2xf16>
    %r1 = vector.extract %frag[1] : vector<2xf16> from vector<4x2xf16>
    %r2 = vector.extract %frag[2] : vector<2xf16> from vector<4x2xf16>
    %r3 = vector.extract %frag[3] : vector<2xf16> from vector<4x2xf16>
    vector.store %r0, %out[%t, %c0, %c0] : memref<32x4x2xf16>, vector<2xf16>
    vector.store %r1, %out[%t, %c1r, %c0] : memref<32x4x2xf16>, vector<2xf16>
    vector.store %r2, %out[%t, %c2r, %c0] : memref<32x4x2xf16>, vector<2xf16>
    vector.store %r3, %out[%t, %c3r, %c0] : memref<32x4x2xf16>, vector<2xf16>
    gpu.terminator
  }
  %r = bufferization.to_tensor %out restrict : memref<32x4x2xf16> to tensor<32x4x2xf16>
  return %r : tensor<32x4x2xf16>
}
