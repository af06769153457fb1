// A loop nest of one iteration stays a kernel: with fuse-kernels=false the
// sum of a 1x1x1x768 tensor to one element (ConvNeXt's LayerNorm over its
// pooled features) is one loop nest of a single output. A canonicalizer
// run between the loops and their mapping to the GPU folded such a nest
// into host code, which uniform-gpu-device-memory then rejected.
// RUN: uniform-opt %s --uniform-gpu-pipeline="format=llvm fuse-kernels=false" | FileCheck %s
// CHECK-LABEL: llvm.func @sum(
// CHECK:         gpu.launch_func
func.func @sum(%x: tensor<1x1x1x768xf32>) -> tensor<1x1x1x1xf32> {
  %0 = tosa.reduce_sum %x {axis = 3 : i32} : (tensor<1x1x1x768xf32>) -> tensor<1x1x1x1xf32>
  return %0 : tensor<1x1x1x1xf32>
}
