#!/usr/bin/env python3
"""Times one ONNX model in ONNX Runtime and in IREE's llvm-cpu, single
threaded, and prints one JSON object. Runs inside bench/model_bench.py's
venv (onnxruntime, iree-base-compiler, iree-base-runtime), never in tests.

  python peer_times.py MODEL.onnx IN.npy WORK_DIR --runs R --warmup W
      [--no-iree] [--no-ort]

Both sides are timed the same way: W untimed calls, then R calls each timed
with time.perf_counter around the Python call that runs the model and
returns a NumPy array; the median, min and max are reported in ms.
  * ORT: CPUExecutionProvider, intra_op_num_threads=1, inter_op 1,
    sequential execution, all graph optimizations.
  * IREE: iree-import-onnx, then iree-compile for llvm-cpu with
    --iree-llvmcpu-target-cpu=host; run on the local-sync driver (one
    thread). The compile time is reported as compile_s.
Each result also carries max_abs, the largest difference from REF.npy when
--ref is given.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np


def timed(call, runs, warmup):
    for _ in range(warmup):
        out = call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        out = call()
        times.append((time.perf_counter() - start) * 1e3)
    return out, {"median_ms": statistics.median(times), "min_ms": min(times),
                 "max_ms": max(times), "runs": runs}


def ort_times(model, x, args):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = \
        ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(model, options,
                                   providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return timed(lambda: session.run(None, {name: x})[0], args.runs,
                 args.warmup)


def iree_entry(rt, config, vmfb):
    """The entry point of IREE's compiled module `vmfb` on `config`'s
    device (iree.runtime as `rt`): its one public function."""
    with open(vmfb, "rb") as f:
        vm_module = rt.VmModule.copy_buffer(config.vm_instance, f.read())
    context = rt.SystemContext(config=config)
    context.add_vm_module(vm_module)
    module = context.modules[vm_module.name]
    function = [f for f in module.vm_module.function_names
                if not f.startswith("__") and "$" not in f][0]
    return module[function]


def iree_times(model, x, args):
    import iree.runtime as rt
    bin_dir = os.path.dirname(sys.executable)
    imported = os.path.join(args.work, "iree.mlir")
    vmfb = os.path.join(args.work, "iree.vmfb")
    start = time.perf_counter()
    subprocess.run([os.path.join(bin_dir, "iree-import-onnx"), model, "-o",
                    imported], check=True)
    subprocess.run([os.path.join(bin_dir, "iree-compile"), imported,
                    "--iree-hal-target-device=local",
                    "--iree-hal-local-target-device-backends=llvm-cpu",
                    "--iree-llvmcpu-target-cpu=host", "-o", vmfb],
                   check=True)
    compile_s = time.perf_counter() - start
    entry = iree_entry(rt, rt.Config("local-sync"), vmfb)
    out, stats = timed(lambda: np.asarray(entry(x)), args.runs, args.warmup)
    stats["compile_s"] = compile_s
    return out, stats


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("input")
    parser.add_argument("work")
    parser.add_argument("--ref")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--no-iree", action="store_true")
    parser.add_argument("--no-ort", action="store_true")
    args = parser.parse_args()
    x = np.load(args.input)
    ref = np.load(args.ref) if args.ref else None
    result = {}
    for name, run, skip in (("ort", ort_times, args.no_ort),
                            ("iree", iree_times, args.no_iree)):
        if skip:
            continue
        try:
            out, stats = run(args.model, x, args)
        except Exception as error:  # A peer failing is a result to report.
            result[name] = {"error": str(error).splitlines()[0][:200]}
            continue
        if ref is not None:
            stats["max_abs"] = float(np.max(np.abs(out - ref)))
        result[name] = stats
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
