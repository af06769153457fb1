// uniform-gpu-tensor-core-contractions: a linalg.generic that multiplies
// and sums over one innermost reduction (a matmul, a batched matmul, a 1x1
// convolution in any layout) becomes one gpu.launch of the tensor-core
// kernel, together with the op that makes its init and the elementwise ops
// that consume its result (a chain or a tree, with an output for each value
// used outside it); everything else is left alone. The kernel's
// numbers are the CUDA emulator's to check
// (test/Integration/GPU/Emulator/tensor-core-contractions.test).
// RUN: uniform-opt %s --uniform-gpu-tensor-core-contractions --canonicalize --cse | FileCheck %s
// RUN: uniform-opt %s --uniform-gpu-tensor-core-contractions=operands=bf16 --canonicalize --cse | FileCheck %s --check-prefix=BF16
// RUN: not uniform-opt %s --uniform-gpu-tensor-core-contractions=operands=f8 2>&1 | FileCheck %s --check-prefix=OPERANDS
// OPERANDS: error: uniform-gpu-tensor-core-contractions: operands must be f16 or bf16, got 'f8'

// bf16 tiles; the NVGPU lowering does not type bf16 mma.sync, so the
// kernel issues NVVM's on the fragments' 32-bit registers.
// BF16:       memref.global {{.*}} : memref<32x40xbf16, #gpu.address_space<workgroup>>
// BF16-LABEL: func.func @bias_relu_residual(
// BF16:           arith.truncf {{.*}} : vector<4xf32> to vector<4xbf16>
// BF16:           nvgpu.ldmatrix {{.*}} -> vector<4x2xbf16>
// BF16:           vector.bitcast {{.*}} : vector<2xbf16> to vector<1xi32>
// BF16:           nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>}

#mA = affine_map<(d0, d1, d2) -> (d0, d2)>
#mB = affine_map<(d0, d1, d2) -> (d2, d1)>
#mC = affine_map<(d0, d1, d2) -> (d0, d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>
#tr = affine_map<(d0, d1) -> (d1, d0)>
#col = affine_map<(d0, d1) -> (d1)>

// The bias broadcast (the init), ReLU on A in the body, the residual add
// and the transpose after it: one kernel that writes the transposed sum.
// M 40, N 48: 2 x 2 warps of 16 x 32, two blocks along M; A and B staged
// 4 floats (16 bytes) a thread, each rounded to f16; A with ReLU on the
// vector.
// CHECK-LABEL: func.func @bias_relu_residual(
// CHECK-SAME:      %[[A:[a-z0-9]+]]: tensor<40x72xf32>, %[[B:[a-z0-9]+]]: tensor<72x48xf32>, %[[BIAS:[a-z0-9]+]]: tensor<48xf32>, %[[RES:[a-z0-9]+]]: tensor<40x48xf32>)
// CHECK-NOT:     linalg.generic
// CHECK:         %[[OUT:.*]] = memref.alloc() : memref<48x40xf32>
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{.*}}, {{.*}} = %c2{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c128
// CHECK:           scf.for {{.*}} iter_args({{.*}}) -> (vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>)
// CHECK:             vector.load {{.*}} {alignment = 16 : i64} : memref<40x72xf32>, vector<4xf32>
// CHECK-NEXT:        arith.maximumf {{.*}} : vector<4xf32>
// CHECK-NEXT:        arith.truncf {{.*}} : vector<4xf32> to vector<4xf16>
// CHECK:             vector.store {{.*}} {alignment = 8 : i64} : memref<32x40xf16, #gpu.address_space<workgroup>>, vector<4xf16>
// CHECK:             vector.load {{.*}} {alignment = 16 : i64} : memref<72x48xf32>, vector<4xf32>
// CHECK:             gpu.barrier
// CHECK:             nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = false}
// CHECK:             nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = true}
// CHECK-COUNT-2:     nvgpu.mma.sync
// CHECK:             gpu.barrier
// CHECK:           tensor.extract %[[BIAS]][%[[N:.*]]] : tensor<48xf32>
// CHECK:           tensor.extract %[[RES]][%[[M:.*]], %[[N]]] : tensor<40x48xf32>
// CHECK:           memref.store {{.*}}, %[[OUT]][%[[N]], %[[M]]] : memref<48x40xf32>
// CHECK:         bufferization.to_tensor %[[OUT]] restrict writable : memref<48x40xf32> to tensor<48x40xf32>
// CHECK-NOT:     linalg.generic
func.func @bias_relu_residual(%a: tensor<40x72xf32>, %b: tensor<72x48xf32>, %bias: tensor<48xf32>, %res: tensor<40x48xf32>) -> tensor<48x40xf32> {
  %e = tensor.empty() : tensor<40x48xf32>
  %init = linalg.generic {indexing_maps = [#col, #id], iterator_types = ["parallel", "parallel"]} ins(%bias : tensor<48xf32>) outs(%e : tensor<40x48xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<40x48xf32>
  %mm = linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<40x72xf32>, tensor<72x48xf32>) outs(%init : tensor<40x48xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %zero = arith.constant 0.0 : f32
    %r = arith.maximumf %x, %zero : f32
    %p = arith.mulf %r, %y : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<40x48xf32>
  %e2 = tensor.empty() : tensor<40x48xf32>
  %add = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%mm, %res : tensor<40x48xf32>, tensor<40x48xf32>) outs(%e2 : tensor<40x48xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<40x48xf32>
  %e3 = tensor.empty() : tensor<48x40xf32>
  %t = linalg.generic {indexing_maps = [#id, #tr], iterator_types = ["parallel", "parallel"]} ins(%add : tensor<40x48xf32>) outs(%e3 : tensor<48x40xf32>) {
  ^bb0(%x: f32, %out: f32):
    linalg.yield %x : f32
  } -> tensor<48x40xf32>
  return %t : tensor<48x40xf32>
}

// A zero fill as the init: the kernel adds the fill's value; K 19 is not a
// multiple of 4, so A is staged one element at a time (canonicalized: a
// tensor.extract), B (N 20) by 4. A consumer
// that reads the result transposed is a different element order: it stays
// a linalg.generic and reads the kernel's result.
// CHECK-LABEL: func.func @fill_scalar(
// CHECK-SAME:      %[[A:[a-z0-9]+]]: tensor<37x19xf32>
// CHECK-NOT:     linalg.fill
// CHECK:         gpu.launch
// CHECK:           tensor.extract %[[A]]
// CHECK-NEXT:      arith.truncf {{.*}} : f32 to f16
// CHECK:           vector.load {{.*}} : memref<19x20xf32>, vector<4xf32>
// CHECK:           nvgpu.mma.sync
// CHECK:           arith.addf {{.*}}, %cst{{.*}} : f32
// CHECK:         %[[T:.*]] = bufferization.to_tensor
// CHECK:         linalg.generic {{.*}} ins(%[[T]] : tensor<37x20xf32>)
func.func @fill_scalar(%a: tensor<37x19xf32>, %b: tensor<19x20xf32>) -> tensor<20x37xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<37x20xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<37x20xf32>) -> tensor<37x20xf32>
  %mm = linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<37x19xf32>, tensor<19x20xf32>) outs(%init : tensor<37x20xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<37x20xf32>
  %e2 = tensor.empty() : tensor<20x37xf32>
  %t = linalg.generic {indexing_maps = [#tr, #id], iterator_types = ["parallel", "parallel"]} ins(%mm : tensor<37x20xf32>) outs(%e2 : tensor<20x37xf32>) {
  ^bb0(%x: f32, %out: f32):
    %n = arith.negf %x : f32
    linalg.yield %n : f32
  } -> tensor<20x37xf32>
  return %t : tensor<20x37xf32>
}

// A result two consumers read (as ConvNeXt's residual add after
// uniform-gpu-fuse-linalg, repeated into the next block's padded input):
// both are the kernel's epilogue (CSE computes the repeated arithmetic
// once), each element stored to both outputs (after bufferization,
// uniform-gpu-forward-kernel-stores moves the second into the pad).
// CHECK-LABEL: func.func @two_consumers(
// CHECK-SAME:      %[[RES:[a-z0-9]+]]: tensor<32x40xf32>, %[[PAD:[a-z0-9]+]]: tensor<34x42xf32>)
// CHECK-NOT:     linalg.generic
// CHECK-DAG:     %[[OUT1:.*]] = memref.alloc() : memref<32x40xf32>
// CHECK-DAG:     %[[OUT2:.*]] = memref.alloc() : memref<32x40xf32>
// CHECK:         gpu.launch
// CHECK:           nvgpu.mma.sync
// CHECK:           scf.if
// CHECK:             tensor.extract %[[RES]][%[[M:.*]], %[[N:.*]]] : tensor<32x40xf32>
// CHECK-NEXT:        %[[SUM:.*]] = arith.addf
// CHECK-NEXT:        memref.store %[[SUM]], %[[OUT1]][%[[M]], %[[N]]] : memref<32x40xf32>
// CHECK-NEXT:        memref.store %[[SUM]], %[[OUT2]][%[[M]], %[[N]]] : memref<32x40xf32>
// CHECK:         %[[T1:.*]] = bufferization.to_tensor %[[OUT1]]
// CHECK:         %[[T2:.*]] = bufferization.to_tensor %[[OUT2]]
// CHECK-NOT:     linalg.generic
// CHECK:         %[[INS:.*]] = tensor.insert_slice %[[T2]] into %[[PAD]][1, 1] [32, 40] [1, 1]
// CHECK:         return %[[T1]], %[[INS]]
func.func @two_consumers(%a: tensor<32x48xf32>, %b: tensor<48x40xf32>, %res: tensor<32x40xf32>, %pad: tensor<34x42xf32>) -> (tensor<32x40xf32>, tensor<34x42xf32>) {
  %zero = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
  %e = tensor.empty() : tensor<32x40xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<32x40xf32>) -> tensor<32x40xf32>
  %mm = linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<32x48xf32>, tensor<48x40xf32>) outs(%init : tensor<32x40xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<32x40xf32>
  %r1 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%mm, %res : tensor<32x40xf32>, tensor<32x40xf32>) outs(%e : tensor<32x40xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %m = arith.mulf %x, %two : f32
    %s = arith.addf %m, %y : f32
    linalg.yield %s : f32
  } -> tensor<32x40xf32>
  %slice = tensor.extract_slice %pad[1, 1] [32, 40] [1, 1] : tensor<34x42xf32> to tensor<32x40xf32>
  %r2 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%mm, %res : tensor<32x40xf32>, tensor<32x40xf32>) outs(%slice : tensor<32x40xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %m = arith.mulf %x, %two : f32
    %s = arith.addf %m, %y : f32
    linalg.yield %s : f32
  } -> tensor<32x40xf32>
  %ins = tensor.insert_slice %r2 into %pad[1, 1] [32, 40] [1, 1] : tensor<32x40xf32> into tensor<34x42xf32>
  return %r1, %ins : tensor<32x40xf32>, tensor<34x42xf32>
}

// A tree: ReLU of the biased product and the sum of the two; the biased
// product, also returned, is a second output.
// CHECK-LABEL: func.func @tree(
// CHECK-NOT:     linalg.generic
// CHECK:         gpu.launch
// CHECK:           scf.if
// CHECK:             %[[RELU:.*]] = arith.maximumf %[[BIASED:[a-z0-9_]+]],
// CHECK-NEXT:        %[[TOTAL:.*]] = arith.addf %[[BIASED]], %[[RELU]]
// CHECK-NEXT:        memref.store %[[BIASED]], %[[OUT1:[a-z0-9_]+]][
// CHECK-NEXT:        memref.store %[[TOTAL]], %[[OUT2:[a-z0-9_]+]][
// CHECK:         %[[T1:.*]] = bufferization.to_tensor %[[OUT1]]
// CHECK:         %[[T2:.*]] = bufferization.to_tensor %[[OUT2]]
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[T1]], %[[T2]]
func.func @tree(%a: tensor<32x48xf32>, %b: tensor<48x40xf32>) -> (tensor<32x40xf32>, tensor<32x40xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<32x40xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<32x40xf32>) -> tensor<32x40xf32>
  %mm = linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<32x48xf32>, tensor<48x40xf32>) outs(%init : tensor<32x40xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<32x40xf32>
  %biased = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%mm : tensor<32x40xf32>) outs(%e : tensor<32x40xf32>) {
  ^bb0(%x: f32, %out: f32):
    %s = arith.addf %x, %one : f32
    linalg.yield %s : f32
  } -> tensor<32x40xf32>
  %relu = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%biased : tensor<32x40xf32>) outs(%e : tensor<32x40xf32>) {
  ^bb0(%x: f32, %out: f32):
    %r = arith.maximumf %x, %zero : f32
    linalg.yield %r : f32
  } -> tensor<32x40xf32>
  %total = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%biased, %relu : tensor<32x40xf32>, tensor<32x40xf32>) outs(%e : tensor<32x40xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<32x40xf32>
  return %biased, %total : tensor<32x40xf32>, tensor<32x40xf32>
}

// A consumer that also reads what another op computes from the kernel's
// values (a row sum of the negated product) would put the kernel after
// that op, which needs its input first: it is left out, and the kernel
// stops at the negation.
// CHECK-LABEL: func.func @use_before_last(
// CHECK:         gpu.launch
// CHECK:           arith.negf
// CHECK:         %[[NEG:.*]] = bufferization.to_tensor
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[NEG]] : tensor<32x40xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[NEG]], %[[SUM]] : tensor<32x40xf32>, tensor<32xf32>)
func.func @use_before_last(%a: tensor<32x48xf32>, %b: tensor<48x40xf32>) -> tensor<32x40xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x40xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<32x40xf32>) -> tensor<32x40xf32>
  %mm = linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<32x48xf32>, tensor<48x40xf32>) outs(%init : tensor<32x40xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<32x40xf32>
  %neg = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%mm : tensor<32x40xf32>) outs(%e : tensor<32x40xf32>) {
  ^bb0(%x: f32, %out: f32):
    %n = arith.negf %x : f32
    linalg.yield %n : f32
  } -> tensor<32x40xf32>
  %e1 = tensor.empty() : tensor<32xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e1 : tensor<32xf32>) -> tensor<32xf32>
  %sum = linalg.generic {indexing_maps = [#id, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%neg : tensor<32x40xf32>) outs(%z : tensor<32xf32>) {
  ^bb0(%x: f32, %out: f32):
    %s = arith.addf %out, %x : f32
    linalg.yield %s : f32
  } -> tensor<32xf32>
  %scaled = linalg.generic {indexing_maps = [#id, affine_map<(d0, d1) -> (d0)>, #id], iterator_types = ["parallel", "parallel"]} ins(%neg, %sum : tensor<32x40xf32>, tensor<32xf32>) outs(%e : tensor<32x40xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %d = arith.divf %x, %y : f32
    linalg.yield %d : f32
  } -> tensor<32x40xf32>
  return %scaled : tensor<32x40xf32>
}

// A batched product: the batch dimension (read by both sides) is grid z,
// M 33 the rows. A 1x1 convolution reading CHW (M = H x W, the input read
// down its rows) is staged element by element, eight rows per eight
// threads.
// CHECK-LABEL: func.func @batched(
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{.*}}, {{.*}} = %c2{{.*}}, {{.*}} = %c3{{.*}})
// CHECK:           nvgpu.mma.sync
func.func @batched(%a: tensor<3x33x24xf32>, %b: tensor<3x24x40xf32>, %init: tensor<3x33x40xf32>) -> tensor<3x33x40xf32> {
  %mm = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%a, %b : tensor<3x33x24xf32>, tensor<3x24x40xf32>) outs(%init : tensor<3x33x40xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<3x33x40xf32>
  return %mm : tensor<3x33x40xf32>
}

// B read through a map with a constant index (a leading unit dimension
// that broadcasts): staged by 4 along N from row 0.
// CHECK-LABEL: func.func @unit_dim(
// CHECK:         gpu.launch
// CHECK:           vector.load %{{.*}}[%c0, {{.*}}] {alignment = 16 : i64} : memref<1x32x48xf32>, vector<4xf32>
// CHECK:           nvgpu.mma.sync
func.func @unit_dim(%a: tensor<40x32xf32>, %b: tensor<1x32x48xf32>, %init: tensor<40x48xf32>) -> tensor<40x48xf32> {
  %mm = linalg.generic {indexing_maps = [#mA, affine_map<(d0, d1, d2) -> (0, d2, d1)>, #mC], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<40x32xf32>, tensor<1x32x48xf32>) outs(%init : tensor<40x48xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<40x48xf32>
  return %mm : tensor<40x48xf32>
}

// CHECK-LABEL: func.func @conv1x1_chw(
// CHECK-SAME:      %[[X:[a-z0-9]+]]: tensor<24x7x9xf32>
// CHECK:         gpu.launch
// CHECK:           tensor.extract %[[X]]
// CHECK:           vector.load {{.*}} : memref<24x64xf32>, vector<4xf32>
// CHECK:           nvgpu.mma.sync
func.func @conv1x1_chw(%x: tensor<24x7x9xf32>, %w: tensor<24x64xf32>, %init: tensor<7x9x64xf32>) -> tensor<7x9x64xf32> {
  %conv = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3, d0, d1)>, affine_map<(d0, d1, d2, d3) -> (d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x, %w : tensor<24x7x9xf32>, tensor<24x64xf32>) outs(%init : tensor<7x9x64xf32>) {
  ^bb0(%in: f32, %wt: f32, %out: f32):
    %p = arith.mulf %in, %wt : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<7x9x64xf32>
  return %conv : tensor<7x9x64xf32>
}

// Left alone: a window (not a projected permutation), K under 16, a
// reduction that is not a sum of products, a factor that reads both M and
// N, linalg.index, dynamic shapes, f64.
// CHECK-LABEL: func.func @window(
// CHECK-NOT:     gpu.launch
// CHECK:         linalg.generic
func.func @window(%x: tensor<20x32xf32>, %w: tensor<5x32xf32>, %init: tensor<16x32xf32>) -> tensor<16x32xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0 + d2, d1)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<20x32xf32>, tensor<5x32xf32>) outs(%init : tensor<16x32xf32>) {
  ^bb0(%in: f32, %wt: f32, %out: f32):
    %p = arith.mulf %in, %wt : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<16x32xf32>
  return %r : tensor<16x32xf32>
}

// CHECK-LABEL: func.func @small_k(
// CHECK-NOT:     gpu.launch
// CHECK:         linalg.generic
func.func @small_k(%a: tensor<64x8xf32>, %b: tensor<8x64xf32>, %init: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %mm = linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<64x8xf32>, tensor<8x64xf32>) outs(%init : tensor<64x64xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<64x64xf32>
  return %mm : tensor<64x64xf32>
}

// CHECK-LABEL: func.func @max_of_products(
// CHECK-NOT:     gpu.launch
// CHECK:         linalg.generic
func.func @max_of_products(%a: tensor<64x64xf32>, %b: tensor<64x64xf32>, %init: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %mm = linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<64x64xf32>, tensor<64x64xf32>) outs(%init : tensor<64x64xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.maximumf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<64x64xf32>
  return %mm : tensor<64x64xf32>
}

// CHECK-LABEL: func.func @factor_reads_m_and_n(
// CHECK-NOT:     gpu.launch
// CHECK:         linalg.generic
func.func @factor_reads_m_and_n(%a: tensor<32x32x32xf32>, %b: tensor<32x32xf32>, %init: tensor<32x32xf32>) -> tensor<32x32xf32> {
  %mm = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<32x32x32xf32>, tensor<32x32xf32>) outs(%init : tensor<32x32xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<32x32xf32>
  return %mm : tensor<32x32xf32>
}

// CHECK-LABEL: func.func @index(
// CHECK-NOT:     gpu.launch
// CHECK:         linalg.generic
func.func @index(%a: tensor<32x32xf32>, %b: tensor<32x32xf32>, %init: tensor<32x32xf32>) -> tensor<32x32xf32> {
  %mm = linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<32x32xf32>, tensor<32x32xf32>) outs(%init : tensor<32x32xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %i = linalg.index 2 : index
    %c = arith.index_cast %i : index to i32
    %f = arith.sitofp %c : i32 to f32
    %xi = arith.mulf %x, %f : f32
    %p = arith.mulf %xi, %y : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<32x32xf32>
  return %mm : tensor<32x32xf32>
}

// CHECK-LABEL: func.func @dynamic(
// CHECK-NOT:     gpu.launch
// CHECK:         linalg.generic
func.func @dynamic(%a: tensor<?x32xf32>, %b: tensor<32x32xf32>, %init: tensor<?x32xf32>) -> tensor<?x32xf32> {
  %mm = linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<?x32xf32>, tensor<32x32xf32>) outs(%init : tensor<?x32xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x32xf32>
  return %mm : tensor<?x32xf32>
}

// CHECK-LABEL: func.func @f64(
// CHECK-NOT:     gpu.launch
// CHECK:         linalg.generic
func.func @f64(%a: tensor<32x32xf64>, %b: tensor<32x32xf64>, %init: tensor<32x32xf64>) -> tensor<32x32xf64> {
  %mm = linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<32x32xf64>, tensor<32x32xf64>) outs(%init : tensor<32x32xf64>) {
  ^bb0(%x: f64, %y: f64, %out: f64):
    %p = arith.mulf %x, %y : f64
    %s = arith.addf %out, %p : f64
    linalg.yield %s : f64
  } -> tensor<32x32xf64>
  return %mm : tensor<32x32xf64>
}

// The pipeline: matmul-precision=f16 needs sm_80 or newer.
// RUN: not uniform-opt %s "--uniform-gpu-pipeline=chip=sm_75 matmul-precision=f16" 2>&1 | FileCheck %s --check-prefix=CHIP
// CHIP: error: uniform-gpu-pipeline: matmul-precision=f16 needs the tensor cores of sm_80 or newer (chip=sm_75); use matmul-precision=f32
