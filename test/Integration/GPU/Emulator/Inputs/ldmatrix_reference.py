#!/usr/bin/env python3
"""Input and expected fragments for async-copy-ldmatrix.mlir.

  ldmatrix_reference.py make X.npy          32 x 8 f16 rows 0..255
  ldmatrix_reference.py check OUT.npy trans  OUT is [32 lanes, 4, 2]

From the PTX ISA's description of ldmatrix.sync.aligned.m8n8.x4.b16: lanes
8j..8j+7 give the row addresses of matrix j, and lane l receives in
register j the two elements at row l / 4, columns 2 (l % 4) and 2 (l % 4) + 1
of matrix j, or of its transpose with .trans.
"""
import sys

import numpy as np


def main(argv):
    if argv[1] == "make":
        np.save(argv[2], np.arange(256, dtype=np.float16).reshape(32, 8))
        return 0
    out = np.load(argv[2])
    trans = argv[3] == "trans"
    x = np.arange(256, dtype=np.float16).reshape(32, 8)
    bad = 0
    for lane in range(32):
        for j in range(4):
            m = x[8 * j:8 * j + 8]
            if trans:
                m = m.T
            want = m[lane // 4, 2 * (lane % 4):2 * (lane % 4) + 2]
            if not np.array_equal(out[lane, j], want):
                bad += 1
                if bad <= 3:
                    print(f"lane {lane} register {j}: {out[lane, j]} != {want}")
    print(f"{'match' if not bad else f'{bad} registers differ'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
