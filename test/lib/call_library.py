#!/usr/bin/env python3
"""Calls the entry point of a library from uniform-compile with ctypes.

  call_library.py LIB.so [ENTRY] [--result-rank R] [--input X.npy ...]
                  --output OUT.npy [--device cpu|cuda] [--repeat N]
                  [--kernel-times]

ENTRY is the function's name (the library exports `_mlir_ciface_ENTRY`);
without it, the library's only entry point. The element types and ranks
come from the library's signature (`NAME_entry_points()`); --result-rank
is only needed for a library without one. Inputs are .npy files passed as
memref descriptors in order, converted to the argument's element type; the
one result is returned through a descriptor the call fills (its buffer
allocated by the library, freed here) and saved to OUT.npy. With --device
cuda (a --target=cuda library) the inputs are copied to device memory with
the library's own runtime, and the result back. --repeat N then calls it N
more times and prints the median milliseconds per call; --kernel-times also
prints the time of each kernel (CUDA events). Needs only NumPy: this runs
on a GPU machine without MLIR.
"""
import argparse
import ctypes
import os
import re
import statistics
import sys
import time

import numpy as np

ELEMENT_TYPES = {"f32": np.float32, "f16": np.float16, "f64": np.float64,
                 "i64": np.int64, "i32": np.int32, "i8": np.int8}


def descriptor_type(rank):
    class Descriptor(ctypes.Structure):
        _fields_ = [("allocated", ctypes.c_void_p),
                    ("aligned", ctypes.c_void_p),
                    ("offset", ctypes.c_int64),
                    ("sizes", ctypes.c_int64 * rank),
                    ("strides", ctypes.c_int64 * rank)]
    return Descriptor


def parse_tensor(text):
    """`tensor<1x3x?xf32>` -> (rank, element type)."""
    m = re.fullmatch(r"tensor<(.*)>", text.strip())
    if not m:
        raise ValueError(f"not a tensor type: {text}")
    parts = m.group(1).split("x")
    return len(parts) - 1, parts[-1]


def signatures(lib, path):
    """{entry: ([(rank, type)...], (rank, type))} from NAME_entry_points(),
    or {} for a library without it."""
    name = os.path.basename(path)
    name = re.sub(r"^lib", "", name.split(".")[0])
    getter = getattr(lib, f"{name}_entry_points", None)
    if getter is None:
        return {}
    getter.restype = ctypes.c_char_p
    result = {}
    for line in getter().decode().splitlines():
        entry, signature = line.split("\t")
        args, res = signature.split("->")
        args = args.strip()[1:-1]
        arg_types = [parse_tensor(t) for t in re.findall(r"tensor<[^>]*>", args)]
        result[entry] = (arg_types, parse_tensor(res))
    return result


class Library:
    """A library, its entry point, and (for CUDA) its runtime's memory
    functions."""

    def __init__(self, path, entry=None, device="cpu", result_rank=None):
        self.lib = ctypes.CDLL(os.path.abspath(path))
        self.device = device
        sigs = signatures(self.lib, path)
        if entry is None:
            if len(sigs) != 1:
                raise SystemExit(f"{path}: name the entry point (it has {len(sigs)})")
            entry = next(iter(sigs))
        self.args, (rank, dtype) = sigs.get(entry, ([], (result_rank, "f32")))
        if rank is None:
            raise SystemExit(f"{path}: no signature; give --result-rank")
        self.result_rank = rank
        self.result_dtype = np.dtype(ELEMENT_TYPES[dtype])
        self.fn = getattr(self.lib, "_mlir_ciface_" + entry)
        self.fn.restype = None
        if device == "cuda":
            self._bind_cuda()

    def _bind_cuda(self):
        L = self.lib
        why = ctypes.create_string_buffer(512)
        if not L.uniformCudaInit(why, 512):
            raise SystemExit("no usable CUDA device: " + why.value.decode())
        L.mgpuStreamCreate.restype = ctypes.c_void_p
        L.mgpuStreamSynchronize.argtypes = [ctypes.c_void_p]
        L.mgpuMemAlloc.restype = ctypes.c_void_p
        L.mgpuMemAlloc.argtypes = [ctypes.c_uint64, ctypes.c_void_p, ctypes.c_bool]
        L.mgpuMemFree.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        L.mgpuMemcpy.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                 ctypes.c_size_t, ctypes.c_void_p]
        self.stream = L.mgpuStreamCreate()

    def argument(self, index, array):
        """A descriptor for `array`, converted to the argument's type (and
        copied to the device for CUDA); returns (descriptor, keep-alive)."""
        if index < len(self.args):
            array = array.astype(ELEMENT_TYPES[self.args[index][1]], copy=False)
        array = np.ascontiguousarray(array)
        d = descriptor_type(array.ndim)()
        pointer = array.ctypes.data
        if self.device == "cuda":
            pointer = self.lib.mgpuMemAlloc(max(array.nbytes, 1), self.stream, False)
            self.lib.mgpuMemcpy(pointer, array.ctypes.data, array.nbytes, self.stream)
            # The entry point runs on a stream of its own.
            self.sync()
        d.allocated = d.aligned = pointer
        d.offset = 0
        for i, (size, stride) in enumerate(zip(array.shape, array.strides)):
            d.sizes[i] = size
            d.strides[i] = stride // array.itemsize
        return d, array

    def call(self, args):
        result = descriptor_type(self.result_rank)()
        self.fn(ctypes.byref(result), *[ctypes.byref(d) for d in args])
        return result

    def fetch(self, result):
        """The result's elements as an array; frees its buffer."""
        item = self.result_dtype.itemsize
        sizes = list(result.sizes)
        count = int(np.prod(sizes)) if sizes else 1
        base = result.aligned + item * result.offset
        if self.device == "cuda":
            # Results are contiguous: copy the span and view it strided.
            host = np.empty(max(count, 1), dtype=self.result_dtype)
            self.lib.mgpuMemcpy(host.ctypes.data, base, count * item, self.stream)
            self.lib.mgpuStreamSynchronize(self.stream)
            self.free(result)
            return host[:count].reshape(sizes)
        buffer = (ctypes.c_char * (item * max(1, count))).from_address(base)
        out = np.lib.stride_tricks.as_strided(
            np.frombuffer(buffer, dtype=self.result_dtype), shape=sizes,
            strides=[s * item for s in result.strides])
        out = np.array(out)
        self.free(result)
        return out

    def free(self, result):
        if self.device == "cuda":
            self.lib.mgpuMemFree(result.allocated, self.stream)
        else:
            libc = ctypes.CDLL(None)
            libc.free.argtypes = [ctypes.c_void_p]
            libc.free(result.allocated)

    def sync(self):
        if self.device == "cuda":
            self.lib.mgpuStreamSynchronize(self.stream)

    def median_ms(self, args, repeat):
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            result = self.call(args)
            self.sync()
            times.append((time.perf_counter() - start) * 1e3)
            self.free(result)
        return statistics.median(times)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("library")
    p.add_argument("entry", nargs="?")
    p.add_argument("--result-rank", type=int)
    p.add_argument("--input", action="append", default=[])
    p.add_argument("--output", required=True)
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--repeat", type=int, default=0)
    p.add_argument("--kernel-times", action="store_true")
    a = p.parse_args()
    lib = Library(a.library, a.entry, a.device, a.result_rank)
    args, keep = zip(*[lib.argument(i, np.load(path))
                       for i, path in enumerate(a.input)]) if a.input else ((), ())
    np.save(a.output, lib.fetch(lib.call(args)))
    if a.repeat:
        warm = lib.call(args)
        lib.sync()
        lib.free(warm)
        if a.kernel_times and a.device == "cuda":
            lib.lib.uniformCudaEnableKernelTiming()
        print(f"median {lib.median_ms(args, a.repeat):.4g} ms per call "
              f"({a.repeat} calls)")
        if a.kernel_times and a.device == "cuda":
            sys.stdout.flush()
            lib.lib.uniformCudaPrintKernelTimes()
    if a.device == "cuda":
        for d in args:
            lib.lib.mgpuMemFree(d.allocated, lib.stream)
    del keep
    return 0


if __name__ == "__main__":
    sys.exit(main())
