#!/usr/bin/env python3
"""compare.py DIR: writes DIR/in{0..3}.npy (the driver's inputs) with
--write-inputs, or compares DIR/out.bin (the library's result) with
DIR/ref.npy (uniform-run's) and prints the max abs difference."""
import sys

import numpy as np

SHAPES = [(2, 8, 16), (2, 8, 16), (2, 3, 8, 4), (8, 8)]


def main():
    d = sys.argv[1]
    if len(sys.argv) > 2 and sys.argv[2] == "--write-inputs":
        for c, shape in enumerate(SHAPES):
            n = int(np.prod(shape))
            x = np.sin(0.37 * np.arange(n, dtype=np.float64) + c)
            np.save(f"{d}/in{c}.npy", x.astype(np.float32).reshape(shape))
        return 0
    out = np.fromfile(f"{d}/out.bin", dtype=np.float32).reshape(2, 3, 8, 4)
    ref = np.load(f"{d}/ref.npy")
    err = float(np.abs(out - ref).max())
    print(f"max abs difference {err:.3g}: {'match' if err <= 1e-5 else 'MISMATCH'}")
    return 0 if err <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
