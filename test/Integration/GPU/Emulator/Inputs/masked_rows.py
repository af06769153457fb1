#!/usr/bin/env python3
"""Fully masked query rows for masked-rows.test.

  masked_rows.py mask DIR        sets rows 3 and 17 of DIR/b.npy (an [N, M]
                                 bias) to -inf for every key
  masked_rows.py check DIR OUT   compares OUT with attention where those
                                 rows are 0 (and the others as usual)
"""
import sys

import numpy as np

ROWS = (3, 17)


def main(argv):
    d = argv[2]
    if argv[1] == "mask":
        b = np.load(f"{d}/b.npy")
        for r in ROWS:
            b[r, :] = -np.inf
        np.save(f"{d}/b.npy", b)
        return 0
    q, k, v, b = (np.load(f"{d}/{n}.npy").astype(np.float64) for n in "qkvb")
    scale = q.shape[-1] ** -0.5
    s = scale * np.einsum("bnk,bmk->bnm", q, k) + b
    with np.errstate(invalid="ignore"):
        p = np.exp(s - s.max(-1, keepdims=True))
        p = p / p.sum(-1, keepdims=True)
    p = np.nan_to_num(p, nan=0.0)  # the masked rows
    want = np.einsum("bnm,bhmd->bhnd", p, v)
    got = np.load(argv[3]).astype(np.float64)
    masked = got[:, :, list(ROWS), :]
    print("NaN" if np.isnan(got).any() else "no NaN")
    print("masked rows are 0" if not masked.any() else "masked rows are not 0")
    err = float(np.max(np.abs(got - want)))
    print(f"max abs error {err:.3g}")
    return 0 if err <= 2e-2 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
