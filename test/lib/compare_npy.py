#!/usr/bin/env python3
"""compare_npy.py GOT.npy REF.npy TOL [--relative]: prints the max abs
difference (with --relative, divided by REF's largest magnitude, for models
whose outputs are far from 1) and 'match' or 'MISMATCH'; exit status 1 on a
mismatch or a shape difference."""
import sys

import numpy as np

got, ref, tol = np.load(sys.argv[1]), np.load(sys.argv[2]), float(sys.argv[3])
relative = "--relative" in sys.argv[4:]
if got.shape != ref.shape:
    print(f"shape {got.shape} != {ref.shape}: MISMATCH")
    sys.exit(1)
err = float(np.abs(got.astype(np.float64) - ref).max())
if relative:
    scale = float(np.abs(ref).max())
    err = err / scale if scale else err
what = "max abs difference relative to max |ref|" if relative else "max abs difference"
print(f"{what} {err:.3g}: {'match' if err <= tol else 'MISMATCH'}")
sys.exit(0 if err <= tol else 1)
