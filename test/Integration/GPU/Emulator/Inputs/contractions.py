"""Contractions for uniform-gpu-tensor-core-contractions on the CUDA
emulator, as linalg.generic on tensors: a function, its random inputs and
the float64 NumPy result of the math.

Usage: contractions.py CASE DIR   writes DIR/CASE.mlir, DIR/in*.npy and
                                   DIR/ref.npy

Cases (M, N, K: rows, columns, reduction):
  bias_relu_residual  40 x 48 x 72: a bias broadcast as the sum's init,
                      ReLU on A inside the body, a residual add after
  odd                 37 x 20 x 19: nothing a multiple of 16 or of 4
                      (scalar staging, partial tiles)
  batched             3 batches of 33 x 40 x 24, B read per batch (grid z)
  nchw_transposed     a 1x1 convolution reading NCHW (C x H x W = 24 x
                      7 x 9) into HWC with 64 filters, BatchNorm-like scale
                      and shift, ReLU6, written back as CHW (a transposed
                      store)
  f16                 f16 operands and result, 32 x 64 x 48
  wide                UniForm-l's 7x7 stage: a 1x1 convolution reading
                      CHW (192 x 7 x 7) into 288 filters, a bias broadcast
                      as the init, ReLU after (blocks of 16 x 128)
"""
import sys

import numpy as np

CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def ty(shape, element="f32"):
    return "tensor<" + "x".join(map(str, shape)) + "x" + element + ">"


@case
def bias_relu_residual(rng):
    m, n, k = 40, 48, 72
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    bias = rng.standard_normal(n).astype(np.float32)
    res = rng.standard_normal((m, n)).astype(np.float32)
    ref = np.maximum(a.astype(np.float64), 0) @ b + bias + res
    mlir = f"""
#mA = affine_map<(d0, d1, d2) -> (d0, d2)>
#mB = affine_map<(d0, d1, d2) -> (d2, d1)>
#mC = affine_map<(d0, d1, d2) -> (d0, d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
func.func @main(%a: {ty((m, k))}, %b: {ty((k, n))}, %bias: {ty((n,))}, %res: {ty((m, n))}) -> {ty((m, n))} {{
  %e = tensor.empty() : {ty((m, n))}
  %init = linalg.generic {{indexing_maps = [#col, #id], iterator_types = ["parallel", "parallel"]}} ins(%bias : {ty((n,))}) outs(%e : {ty((m, n))}) {{
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }} -> {ty((m, n))}
  %mm = linalg.generic {{indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]}} ins(%a, %b : {ty((m, k))}, {ty((k, n))}) outs(%init : {ty((m, n))}) {{
  ^bb0(%x: f32, %y: f32, %out: f32):
    %zero = arith.constant 0.0 : f32
    %r = arith.maximumf %x, %zero : f32
    %p = arith.mulf %r, %y : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  }} -> {ty((m, n))}
  %e2 = tensor.empty() : {ty((m, n))}
  %add = linalg.generic {{indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}} ins(%mm, %res : {ty((m, n))}, {ty((m, n))}) outs(%e2 : {ty((m, n))}) {{
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }} -> {ty((m, n))}
  return %add : {ty((m, n))}
}}
"""
    return mlir, [a, b, bias, res], ref


def plain_matmul(rng, m, n, k, element):
    """A [m, k] x [k, n] matmul written as a linalg.generic from a zero fill,
    in `element` (f32 or f16) throughout."""
    dtype = {"f32": np.float32, "f16": np.float16}[element]
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    ref = a.astype(np.float64) @ b.astype(np.float64)
    ta, tb, tc = ty((m, k), element), ty((k, n), element), ty((m, n), element)
    mlir = f"""
#mA = affine_map<(d0, d1, d2) -> (d0, d2)>
#mB = affine_map<(d0, d1, d2) -> (d2, d1)>
#mC = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @main(%a: {ta}, %b: {tb}) -> {tc} {{
  %zero = arith.constant 0.0 : {element}
  %e = tensor.empty() : {tc}
  %init = linalg.fill ins(%zero : {element}) outs(%e : {tc}) -> {tc}
  %mm = linalg.generic {{indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]}} ins(%a, %b : {ta}, {tb}) outs(%init : {tc}) {{
  ^bb0(%x: {element}, %y: {element}, %out: {element}):
    %p = arith.mulf %x, %y : {element}
    %s = arith.addf %out, %p : {element}
    linalg.yield %s : {element}
  }} -> {tc}
  return %mm : {tc}
}}
"""
    return mlir, [a, b], ref


@case
def odd(rng):
    return plain_matmul(rng, 37, 20, 19, "f32")


@case
def batched(rng):
    bt, m, n, k = 3, 33, 40, 24
    a = rng.standard_normal((bt, m, k)).astype(np.float32)
    b = rng.standard_normal((bt, k, n)).astype(np.float32)
    ref = np.matmul(a.astype(np.float64), b)
    mlir = f"""
#mA = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#mB = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
#mC = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
func.func @main(%a: {ty((bt, m, k))}, %b: {ty((bt, k, n))}) -> {ty((bt, m, n))} {{
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : {ty((bt, m, n))}
  %init = linalg.fill ins(%zero : f32) outs(%e : {ty((bt, m, n))}) -> {ty((bt, m, n))}
  %mm = linalg.generic {{indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}} ins(%a, %b : {ty((bt, m, k))}, {ty((bt, k, n))}) outs(%init : {ty((bt, m, n))}) {{
  ^bb0(%x: f32, %y: f32, %out: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  }} -> {ty((bt, m, n))}
  return %mm : {ty((bt, m, n))}
}}
"""
    return mlir, [a, b], ref


@case
def nchw_transposed(rng):
    c, h, w, f = 24, 7, 9, 64
    x = rng.standard_normal((c, h, w)).astype(np.float32)
    wt = rng.standard_normal((c, f)).astype(np.float32)
    scale = rng.uniform(0.5, 1.5, f).astype(np.float32)
    shift = rng.standard_normal(f).astype(np.float32)
    y = np.einsum("chw,cf->hwf", x.astype(np.float64), wt)
    ref = np.clip(y * scale + shift, 0, 6).transpose(2, 0, 1)
    mlir = f"""
#mA = affine_map<(d0, d1, d2, d3) -> (d3, d0, d1)>
#mB = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
#mC = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#ch = affine_map<(d0, d1, d2) -> (d2)>
#chw = affine_map<(d0, d1, d2) -> (d2, d0, d1)>
func.func @main(%x: {ty((c, h, w))}, %w: {ty((c, f))}, %scale: {ty((f,))}, %shift: {ty((f,))}) -> {ty((f, h, w))} {{
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : {ty((h, w, f))}
  %init = linalg.fill ins(%zero : f32) outs(%e : {ty((h, w, f))}) -> {ty((h, w, f))}
  %conv = linalg.generic {{indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}} ins(%x, %w : {ty((c, h, w))}, {ty((c, f))}) outs(%init : {ty((h, w, f))}) {{
  ^bb0(%in: f32, %wt: f32, %out: f32):
    %p = arith.mulf %in, %wt : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  }} -> {ty((h, w, f))}
  %e2 = tensor.empty() : {ty((f, h, w))}
  %bn = linalg.generic {{indexing_maps = [#id, #ch, #ch, #chw], iterator_types = ["parallel", "parallel", "parallel"]}} ins(%conv, %scale, %shift : {ty((h, w, f))}, {ty((f,))}, {ty((f,))}) outs(%e2 : {ty((f, h, w))}) {{
  ^bb0(%v: f32, %s: f32, %t: f32, %out: f32):
    %six = arith.constant 6.0 : f32
    %lo = arith.constant 0.0 : f32
    %m = arith.mulf %v, %s : f32
    %a = arith.addf %m, %t : f32
    %r = arith.maximumf %a, %lo : f32
    %c6 = arith.minimumf %r, %six : f32
    linalg.yield %c6 : f32
  }} -> {ty((f, h, w))}
  return %bn : {ty((f, h, w))}
}}
"""
    return mlir, [x, wt, scale, shift], ref


@case
def f16(rng):
    return plain_matmul(rng, 32, 64, 48, "f16")


@case
def wide(rng):
    c, h, w, f = 192, 7, 7, 288
    x = rng.standard_normal((c, h, w)).astype(np.float32)
    wt = (rng.standard_normal((c, f)) * c ** -0.5).astype(np.float32)
    bias = rng.standard_normal(f).astype(np.float32)
    y = np.einsum("chw,cf->hwf", x.astype(np.float64), wt) + bias
    ref = np.maximum(y, 0)
    mlir = f"""
#mA = affine_map<(d0, d1, d2, d3) -> (d3, d0, d1)>
#mB = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
#mC = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#ch = affine_map<(d0, d1, d2) -> (d2)>
func.func @main(%x: {ty((c, h, w))}, %w: {ty((c, f))}, %bias: {ty((f,))}) -> {ty((h, w, f))} {{
  %e = tensor.empty() : {ty((h, w, f))}
  %init = linalg.generic {{indexing_maps = [#ch, #id], iterator_types = ["parallel", "parallel", "parallel"]}} ins(%bias : {ty((f,))}) outs(%e : {ty((h, w, f))}) {{
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }} -> {ty((h, w, f))}
  %conv = linalg.generic {{indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}} ins(%x, %w : {ty((c, h, w))}, {ty((c, f))}) outs(%init : {ty((h, w, f))}) {{
  ^bb0(%in: f32, %wt: f32, %out: f32):
    %p = arith.mulf %in, %wt : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  }} -> {ty((h, w, f))}
  %e2 = tensor.empty() : {ty((h, w, f))}
  %relu = linalg.generic {{indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}} ins(%conv : {ty((h, w, f))}) outs(%e2 : {ty((h, w, f))}) {{
  ^bb0(%v: f32, %out: f32):
    %lo = arith.constant 0.0 : f32
    %r = arith.maximumf %v, %lo : f32
    linalg.yield %r : f32
  }} -> {ty((h, w, f))}
  return %relu : {ty((h, w, f))}
}}
"""
    return mlir, [x, wt, bias], ref


def main():
    name, out_dir = sys.argv[1], sys.argv[2]
    mlir, inputs, ref = CASES[name](np.random.default_rng(3))
    with open(f"{out_dir}/{name}.mlir", "w") as f:
        f.write(mlir)
    for i, value in enumerate(inputs):
        np.save(f"{out_dir}/in{i}.npy", value)
    np.save(f"{out_dir}/ref.npy", ref)


if __name__ == "__main__":
    main()
