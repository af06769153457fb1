#!/usr/bin/env python3
"""Inputs and float64 NumPy references for split-reductions.test.

  split_reductions.py gen DIR
  split_reductions.py check DIR MLP.npy DOT.npy
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


def check(d, mlp, dot):
    load = lambda name: np.load(f"{d}/{name}.npy").astype(np.float64)
    refs = {"mlp": np.clip(load("x") @ load("w") + load("b"), 0, 6),
            "dot": load("dx") @ load("dw")}
    status = 0
    for name, path in (("mlp", mlp), ("dot", dot)):
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
        sys.exit(check(*sys.argv[2:5]))
