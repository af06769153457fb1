// uniform-gpu-require-static-shapes: the GPU pipeline's first pass. Static
// signatures, scalars and external declarations pass unchanged; a dynamic
// argument or result is an error at the function.
// RUN: uniform-opt %s --split-input-file --verify-diagnostics \
// RUN:   --uniform-gpu-require-static-shapes | FileCheck %s

// CHECK-LABEL: func.func @static
// CHECK: func.func private @external(tensor<?x4xf32>)
func.func @static(%x: tensor<2x4xf32>, %s: f32, %m: memref<3xf32>) -> tensor<2x4xf32> {
  return %x : tensor<2x4xf32>
}
func.func private @external(tensor<?x4xf32>)

// -----

// expected-error @below {{uniform-gpu-pipeline needs static shapes: argument #1 of @batch has type 'tensor<?x4xf32>'; give the model's dynamic dimensions extents (an ONNX model: import it with --onnx-input-shape=NAME=DxDx..., which uniform-compile takes too)}}
func.func @batch(%x: tensor<2x4xf32>, %y: tensor<?x4xf32>) -> tensor<2x4xf32> {
  return %x : tensor<2x4xf32>
}

// -----

// expected-error @below {{result #0 of @result has type 'memref<?xf32>'}}
func.func @result(%n: index) -> memref<?xf32> {
  %m = memref.alloc(%n) : memref<?xf32>
  return %m : memref<?xf32>
}
