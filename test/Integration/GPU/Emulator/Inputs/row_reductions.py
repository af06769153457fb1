"""Inputs and float64 references for row_reductions.mlir.

  row_reductions.py gen DIR                  writes DIR/sx.npy, DIR/lx.npy
  row_reductions.py check DIR SOFTMAX LAYERNORM
"""
import sys

import numpy as np


def main():
    mode, out = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(7)
    if mode == "gen":
        # Large logits: a softmax without its max subtraction overflows.
        np.save(f"{out}/sx.npy",
                (rng.standard_normal((64, 1000)) * 30).astype(np.float32))
        np.save(f"{out}/lx.npy",
                (rng.standard_normal((96, 200)) * 4 + 3).astype(np.float32))
        return
    sx = np.load(f"{out}/sx.npy").astype(np.float64)
    e = np.exp(sx - sx.max(axis=1, keepdims=True))
    softmax = e / e.sum(axis=1, keepdims=True)
    lx = np.load(f"{out}/lx.npy").astype(np.float64)
    d = lx - lx.mean(axis=1, keepdims=True)
    layernorm = d / np.sqrt((d * d).mean(axis=1, keepdims=True) + 1e-5)
    for name, ref, path in (("softmax", softmax, sys.argv[3]),
                            ("layernorm", layernorm, sys.argv[4])):
        got = np.load(path).astype(np.float64)
        err = np.abs(got - ref).max()
        print(f"{name}: max abs error {err:.1e}:",
              "match" if np.isfinite(got).all() and err < 1e-4 else "MISMATCH")


if __name__ == "__main__":
    main()
