#!/usr/bin/env python3
"""Writes seeded random float32 arrays: make_inputs.py SEED OUT.npy=2x3x4 ..."""
import sys

import numpy as np

rng = np.random.default_rng(int(sys.argv[1]))
for arg in sys.argv[2:]:
    path, _, shape = arg.partition("=")
    dims = tuple(int(d) for d in shape.split("x")) if shape else ()
    np.save(path, rng.standard_normal(dims).astype(np.float32))
