#!/usr/bin/env python3
"""Inputs and float64 NumPy references for split-reductions.test.

  split_reductions.py gen DIR     (also DIR/mlp_constant.mlir: @mlp with its
                                  weights and bias as constants)
  split_reductions.py check DIR MLP.npy DOT.npy [MLP_CONSTANT.npy]
"""
import sys

import numpy as np


def gen(d):
    rng = np.random.default_rng(0)
    np.save(f"{d}/x.npy", rng.standard_normal((16, 384)).astype(np.float32))
    np.save(f"{d}/w.npy", (0.05 * rng.standard_normal((384, 192))).astype(np.float32))
    np.save(f"{d}/b.npy", rng.standard_normal(192).astype(np.float32))
    np.save(f"{d}/dx.npy", rng.standard_normal((5, 1000)).astype(np.float32))
    np.save(f"{d}/dw.npy", rng.standard_normal((1000, 1)).astype(np.float32))
    # @mlp and @dot take their weights stored [N, K].
    np.save(f"{d}/wt.npy", np.load(f"{d}/w.npy").T.copy())
    np.save(f"{d}/dwt.npy", np.load(f"{d}/dw.npy").T.copy())
    write_constant_mlp(d)


CONSTANT_MLP = """\
// @mlp of split_reductions.mlir with its weights (stored [K, N]) and bias
// constants.
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @mlp_constant(%x: tensor<16x384xf32>) -> tensor<16x192xf32> {{
  %w = arith.constant dense<"0x{w}"> : tensor<384x192xf32>
  %b = arith.constant dense<"0x{b}"> : tensor<192xf32>
  %e = tensor.empty() : tensor<16x192xf32>
  %bias = linalg.broadcast ins(%b : tensor<192xf32>)
      outs(%e : tensor<16x192xf32>) dimensions = [0]
  %m = linalg.matmul ins(%x, %w : tensor<16x384xf32>, tensor<384x192xf32>)
      outs(%bias : tensor<16x192xf32>) -> tensor<16x192xf32>
  %r = linalg.generic {{indexing_maps = [#id, #id],
                       iterator_types = ["parallel", "parallel"]}}
      ins(%m : tensor<16x192xf32>) outs(%e : tensor<16x192xf32>) {{
  ^bb0(%in: f32, %out: f32):
    %zero = arith.constant 0.0 : f32
    %six = arith.constant 6.0 : f32
    %lo = arith.maximumf %in, %zero : f32
    %hi = arith.minimumf %lo, %six : f32
    linalg.yield %hi : f32
  }} -> tensor<16x192xf32>
  return %r : tensor<16x192xf32>
}}
"""


def write_constant_mlp(d):
    w, b = np.load(f"{d}/w.npy"), np.load(f"{d}/b.npy")
    with open(f"{d}/mlp_constant.mlir", "w") as f:
        f.write(CONSTANT_MLP.format(w=w.astype("<f4").tobytes().hex().upper(),
                                    b=b.astype("<f4").tobytes().hex().upper()))


def check(d, *paths):
    load = lambda name: np.load(f"{d}/{name}.npy").astype(np.float64)
    refs = {"mlp": np.clip(load("x") @ load("w") + load("b"), 0, 6),
            "dot": load("dx") @ load("dw")}
    status = 0
    refs["mlp_constant"] = refs["mlp"]
    for name, path in zip(("mlp", "dot", "mlp_constant"), paths):
        got = np.load(path).astype(np.float64)
        err = float(np.abs(got - refs[name]).max())
        ok = got.shape == refs[name].shape and err <= 1e-4
        status |= not ok
        print(f"{name}: max abs error {err:.3g}: {'match' if ok else 'MISMATCH'}")
    return status


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    else:
        sys.exit(check(sys.argv[2], *sys.argv[3:]))
