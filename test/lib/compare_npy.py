#!/usr/bin/env python3
"""compare_npy.py GOT.npy REF.npy TOL: prints the max abs difference and
'match' or 'MISMATCH'; exit status 1 on a mismatch or a shape difference."""
import sys

import numpy as np

got, ref, tol = np.load(sys.argv[1]), np.load(sys.argv[2]), float(sys.argv[3])
if got.shape != ref.shape:
    print(f"shape {got.shape} != {ref.shape}: MISMATCH")
    sys.exit(1)
err = float(np.abs(got.astype(np.float64) - ref).max())
print(f"max abs difference {err:.3g}: {'match' if err <= tol else 'MISMATCH'}")
sys.exit(0 if err <= tol else 1)
