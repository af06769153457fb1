// The CUDA emulator's checks, each on a small hand-written kernel: every
// RUN with a defect must fail with a report that names the kernel, block,
// thread and instruction; the same kernels without the defect pass.
// uniform-gpu-pipeline lowers the gpu.launch of each entry as it is.

// RUN: uniform-opt %s --uniform-gpu-pipeline=format=llvm -o %t.mlir
// RUN: %python -c "import numpy as np; np.save('%t.x.npy', np.arange(64, dtype=np.float32))"

// A correct kernel that stages through shared memory with a barrier.
// RUN: uniform-run %t.mlir --entry rotate_with_barrier --device=cuda-emulator --input %t.x.npy --print-summary | FileCheck %s --check-prefix=OK
// OK: result #0: float32 [64] min 0 max 63 mean 31.5

// RUN: not uniform-run %t.mlir --entry rotate_without_barrier --device=cuda-emulator --input %t.x.npy 2>&1 | FileCheck %s --check-prefix=RACE
// Threads run in order until they synchronize: thread 0 reads element 1
// before thread 1 writes it, and that write is the race reported.
// RACE: uniform-cuda-emulator: error: kernel 'rotate_without_barrier_kernel' (module #{{[0-9]+}}, launch #0), block (0,0,0), thread (1,0,0): shared-memory race on 'stage' at byte 4: this write of 4 byte(s) and thread (0,0,0) read it with no barrier between them
// RACE-NEXT: at: store float {{.*}}, ptr addrspace(3)

// RUN: not uniform-run %t.mlir --entry out_of_bounds --device=cuda-emulator --input %t.x.npy 2>&1 | FileCheck %s --check-prefix=OOB
// OOB: error: kernel 'out_of_bounds_kernel' {{.*}} thread (63,0,0): out-of-bounds global read of 4 byte(s) at 0x{{[0-9A-F]+}}: 0 byte(s) past the end of the 256-byte allocation at 0x{{[0-9A-F]+}}
// OOB-NEXT: at: {{.*}} = load float

// RUN: not uniform-run %t.mlir --entry uninitialized --device=cuda-emulator --input %t.x.npy 2>&1 | FileCheck %s --check-prefix=UNINIT
// UNINIT: error: kernel 'uninitialized_kernel' {{.*}} thread (0,0,0): read of 4 byte(s) at byte 0 of the 256-byte allocation at 0x{{[0-9A-F]+}}, which nothing has written (uninitialized)

// RUN: not uniform-run %t.mlir --entry barrier_divergence --device=cuda-emulator --input %t.x.npy 2>&1 | FileCheck %s --check-prefix=DIVERGE
// DIVERGE: error: kernel 'barrier_divergence_kernel' {{.*}}: barrier divergence: 32 thread(s) exited without reaching the barrier that 32 wait at
// DIVERGE-NEXT: at: {{.*}}llvm.nvvm.barrier

// RUN: not uniform-run %t.mlir --entry shuffle_divergence --device=cuda-emulator --input %t.x.npy 2>&1 | FileCheck %s --check-prefix=DEADLOCK
// DEADLOCK: error: kernel 'shuffle_divergence_kernel' {{.*}}: deadlock: no thread of the block can proceed
// DEADLOCK-DAG: 16 thread(s) exited (first: 16)
// DEADLOCK-DAG: 16 thread(s) wait at `{{.*}}llvm.nvvm.shfl.sync.bfly{{.*}}` (first: 0)

// RUN: not uniform-run %t.mlir --entry misaligned --device=cuda-emulator --input %t.x.npy 2>&1 | FileCheck %s --check-prefix=ALIGN
// ALIGN: error: kernel 'misaligned_kernel' {{.*}} thread (0,0,0): misaligned read of 16 byte(s) at 0x{{[0-9A-F]*}}4: the IR declares 16-byte alignment
// ALIGN-NEXT: at: {{.*}} = load <4 x float>

// RUN: not uniform-run %t.mlir --entry grid_too_tall --device=cuda-emulator --input %t.x.npy 2>&1 | FileCheck %s --check-prefix=GRID
// GRID: uniform-cuda-emulator: error: launch of 'grid_too_tall_kernel' with grid (1,70000,1) and block (1,1,1): grid y 70000 exceeds the limit of 65535 (cuLaunchKernel would fail)

// PTX inline assembly (libdevice's tanhf has `rcp.approx.ftz.f32`) runs as
// the instruction it names; the host once read the "f" constraint as an x87
// register and aborted in code generation. Assembly the emulator does not
// know is an error that names it and the kernel.
// RUN: uniform-run %t.mlir --entry inline_asm_reciprocal --device=cuda-emulator --input %t.x.npy --print-summary | FileCheck %s --check-prefix=ASM
// ASM: result #0: float32 [64] min 0.015873 max inf
// RUN: not uniform-run %t.mlir --entry inline_asm_unknown --device=cuda-emulator --input %t.x.npy 2>&1 | FileCheck %s --check-prefix=UNKNOWN-ASM
// UNKNOWN-ASM: error: {{.*}}the CUDA emulator does not implement the PTX inline assembly 'sub.rm.f32 $0, $1, $2;' in 'inline_asm_unknown_kernel'

#shared = #gpu.address_space<workgroup>

// Shared memory as a workgroup global, as convert-attn-to-nvgpu makes it.
memref.global "private" @stage : memref<64xf32, #shared>

// out[i] = x[(i + 1) % 64], through shared memory.
func.func @rotate_with_barrier(%x: tensor<64xf32>) -> tensor<64xf32> {
  %in = bufferization.to_buffer %x : tensor<64xf32> to memref<64xf32>
  %out = memref.alloc() : memref<64xf32>
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%n0 = %c64, %n1 = %c1, %n2 = %c1) {
    %stage = memref.get_global @stage : memref<64xf32, #shared>
    %v = memref.load %in[%t0] : memref<64xf32>
    memref.store %v, %stage[%t0] : memref<64xf32, #shared>
    gpu.barrier
    %next = arith.addi %t0, %c1 : index
    %j = arith.remui %next, %c64 : index
    %w = memref.load %stage[%j] : memref<64xf32, #shared>
    memref.store %w, %out[%t0] : memref<64xf32>
    gpu.terminator
  }
  %r = bufferization.to_tensor %out restrict : memref<64xf32> to tensor<64xf32>
  return %r : tensor<64xf32>
}

// The same without the barrier: thread t reads what thread t+1 writes.
func.func @rotate_without_barrier(%x: tensor<64xf32>) -> tensor<64xf32> {
  %in = bufferization.to_buffer %x : tensor<64xf32> to memref<64xf32>
  %out = memref.alloc() : memref<64xf32>
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%n0 = %c64, %n1 = %c1, %n2 = %c1) {
    %stage = memref.get_global @stage : memref<64xf32, #shared>
    %v = memref.load %in[%t0] : memref<64xf32>
    memref.store %v, %stage[%t0] : memref<64xf32, #shared>
    %next = arith.addi %t0, %c1 : index
    %j = arith.remui %next, %c64 : index
    %w = memref.load %stage[%j] : memref<64xf32, #shared>
    memref.store %w, %out[%t0] : memref<64xf32>
    gpu.terminator
  }
  %r = bufferization.to_tensor %out restrict : memref<64xf32> to tensor<64xf32>
  return %r : tensor<64xf32>
}

// out[i] = x[i + 1]: the last thread reads one element past the input.
func.func @out_of_bounds(%x: tensor<64xf32>) -> tensor<64xf32> {
  %in = bufferization.to_buffer %x : tensor<64xf32> to memref<64xf32>
  %out = memref.alloc() : memref<64xf32>
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%n0 = %c64, %n1 = %c1, %n2 = %c1) {
    %next = arith.addi %t0, %c1 : index
    %v = memref.load %in[%next] : memref<64xf32>
    memref.store %v, %out[%t0] : memref<64xf32>
    gpu.terminator
  }
  %r = bufferization.to_tensor %out restrict : memref<64xf32> to tensor<64xf32>
  return %r : tensor<64xf32>
}

// Reads a device buffer that nothing wrote.
func.func @uninitialized(%x: tensor<64xf32>) -> tensor<64xf32> {
  %scratch = memref.alloc() : memref<64xf32>
  %out = memref.alloc() : memref<64xf32>
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%n0 = %c64, %n1 = %c1, %n2 = %c1) {
    %v = memref.load %scratch[%t0] : memref<64xf32>
    memref.store %v, %out[%t0] : memref<64xf32>
    gpu.terminator
  }
  %r = bufferization.to_tensor %out restrict : memref<64xf32> to tensor<64xf32>
  return %r : tensor<64xf32>
}

// Only the first warp reaches the barrier.
func.func @barrier_divergence(%x: tensor<64xf32>) -> tensor<64xf32> {
  %in = bufferization.to_buffer %x : tensor<64xf32> to memref<64xf32>
  %out = memref.alloc() : memref<64xf32>
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%n0 = %c64, %n1 = %c1, %n2 = %c1) {
    %v = memref.load %in[%t0] : memref<64xf32>
    memref.store %v, %out[%t0] : memref<64xf32>
    %low = arith.cmpi ult, %t0, %c32 : index
    scf.if %low {
      gpu.barrier
    }
    gpu.terminator
  }
  %r = bufferization.to_tensor %out restrict : memref<64xf32> to tensor<64xf32>
  return %r : tensor<64xf32>
}

// A full-warp shuffle that only half of the warp executes.
func.func @shuffle_divergence(%x: tensor<64xf32>) -> tensor<64xf32> {
  %in = bufferization.to_buffer %x : tensor<64xf32> to memref<64xf32>
  %out = memref.alloc() : memref<64xf32>
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %one = arith.constant 1 : i32
  %width = arith.constant 32 : i32
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%n0 = %c32, %n1 = %c1, %n2 = %c1) {
    %v = memref.load %in[%t0] : memref<64xf32>
    %low = arith.cmpi ult, %t0, %c16 : index
    %w = scf.if %low -> f32 {
      %s, %ok = gpu.shuffle xor %v, %one, %width : f32
      scf.yield %s : f32
    } else {
      scf.yield %v : f32
    }
    memref.store %w, %out[%t0] : memref<64xf32>
    gpu.terminator
  }
  %r = bufferization.to_tensor %out restrict : memref<64xf32> to tensor<64xf32>
  return %r : tensor<64xf32>
}

// A 16-byte vector load at an odd element: the IR promises 16-byte
// alignment, and the vector load a GPU does for it would fault.
func.func @misaligned(%x: tensor<64xf32>) -> tensor<64xf32> {
  %in = bufferization.to_buffer %x : tensor<64xf32> to memref<64xf32>
  %out = memref.alloc() : memref<64xf32>
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%n0 = %c1, %n1 = %c1, %n2 = %c1) {
    %v = vector.load %in[%c1] {alignment = 16} : memref<64xf32>, vector<4xf32>
    vector.store %v, %out[%c1] {alignment = 16} : memref<64xf32>, vector<4xf32>
    gpu.terminator
  }
  %r = bufferization.to_tensor %out restrict : memref<64xf32> to tensor<64xf32>
  return %r : tensor<64xf32>
}

// A grid taller than sm_87 allows (grid y and z are at most 65535).
func.func @grid_too_tall(%x: tensor<64xf32>) -> tensor<64xf32> {
  %in = bufferization.to_buffer %x : tensor<64xf32> to memref<64xf32>
  %out = memref.alloc() : memref<64xf32>
  %c1 = arith.constant 1 : index
  %tall = arith.constant 70000 : index
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %tall, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%n0 = %c1, %n1 = %c1, %n2 = %c1) {
    %i = arith.remui %b1, %c1 : index
    %v = memref.load %in[%i] : memref<64xf32>
    memref.store %v, %out[%i] : memref<64xf32>
    gpu.terminator
  }
  %r = bufferization.to_tensor %out restrict : memref<64xf32> to tensor<64xf32>
  return %r : tensor<64xf32>
}

// out[i] = 1 / x[i] by libdevice's inline assembly.
func.func @inline_asm_reciprocal(%x: tensor<64xf32>) -> tensor<64xf32> {
  %in = bufferization.to_buffer %x : tensor<64xf32> to memref<64xf32>
  %out = memref.alloc() : memref<64xf32>
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%n0 = %c64, %n1 = %c1, %n2 = %c1) {
    %v = memref.load %in[%t0] : memref<64xf32>
    %r = llvm.inline_asm "rcp.approx.ftz.f32 $0,$1;", "=f,f" %v : (f32) -> f32
    memref.store %r, %out[%t0] : memref<64xf32>
    gpu.terminator
  }
  %r = bufferization.to_tensor %out restrict : memref<64xf32> to tensor<64xf32>
  return %r : tensor<64xf32>
}

// A subtraction rounded towards minus infinity: not emulated.
func.func @inline_asm_unknown(%x: tensor<64xf32>) -> tensor<64xf32> {
  %in = bufferization.to_buffer %x : tensor<64xf32> to memref<64xf32>
  %out = memref.alloc() : memref<64xf32>
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%n0 = %c64, %n1 = %c1, %n2 = %c1) {
    %v = memref.load %in[%t0] : memref<64xf32>
    %r = llvm.inline_asm "sub.rm.f32 $0, $1, $2;", "=f,f,f" %v, %v : (f32, f32) -> f32
    memref.store %r, %out[%t0] : memref<64xf32>
    gpu.terminator
  }
  %r = bufferization.to_tensor %out restrict : memref<64xf32> to tensor<64xf32>
  return %r : tensor<64xf32>
}
