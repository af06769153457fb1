#!/usr/bin/env python3
"""Calls the entry point of a CPU library from uniform-compile with ctypes.

  call_library.py LIB.so ENTRY --result-rank R [--input X.npy ...]
                  --output OUT.npy

ENTRY is the function's name (the library exports `_mlir_ciface_ENTRY`);
inputs are float32 .npy files passed as memref descriptors in order; the
one float32 result of rank R is returned through a descriptor the call
fills (its buffer allocated by the library, freed here), saved to OUT.npy.
"""
import argparse
import ctypes
import sys

import numpy as np


def descriptor_type(rank):
    class Descriptor(ctypes.Structure):
        _fields_ = [("allocated", ctypes.POINTER(ctypes.c_float)),
                    ("aligned", ctypes.POINTER(ctypes.c_float)),
                    ("offset", ctypes.c_int64),
                    ("sizes", ctypes.c_int64 * rank),
                    ("strides", ctypes.c_int64 * rank)]
    return Descriptor


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("library")
    p.add_argument("entry")
    p.add_argument("--result-rank", type=int, required=True)
    p.add_argument("--input", action="append", default=[])
    p.add_argument("--output", required=True)
    a = p.parse_args()
    lib = ctypes.CDLL(a.library)
    arrays = [np.ascontiguousarray(np.load(path), dtype=np.float32)
              for path in a.input]
    args = []
    for array in arrays:
        d = descriptor_type(array.ndim)()
        pointer = array.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        d.allocated = d.aligned = pointer
        d.offset = 0
        for i, (size, stride) in enumerate(zip(array.shape, array.strides)):
            d.sizes[i] = size
            d.strides[i] = stride // array.itemsize
        args.append(d)
    result = descriptor_type(a.result_rank)()
    function = getattr(lib, "_mlir_ciface_" + a.entry)
    function.restype = None
    function(ctypes.byref(result), *[ctypes.byref(d) for d in args])
    sizes = list(result.sizes)
    strides = [s * 4 for s in result.strides]
    base = ctypes.cast(result.aligned, ctypes.c_void_p).value + 4 * result.offset
    buffer = (ctypes.c_char * (4 * max(1, int(np.prod(sizes))))).from_address(base)
    out = np.lib.stride_tricks.as_strided(
        np.frombuffer(buffer, dtype=np.float32), shape=sizes, strides=strides)
    np.save(a.output, np.array(out))
    libc = ctypes.CDLL(None)
    libc.free(ctypes.cast(result.allocated, ctypes.c_void_p))
    return 0


if __name__ == "__main__":
    sys.exit(main())
