#!/usr/bin/env python3
"""Import and compile times of the UniForm models, measured in one run.

  /usr/bin/python3 bench/model_times.py [--build-dir build] [--models m0,m5]
      [--repeat 3]

Exports each model of examples/uniform/models.py (224x224, batch 1) to ONNX,
then times, best of --repeat runs each: `uniform-translate --import-onnx`,
`attn-raise` + `attn-reuse-heads`, `uniform-cpu-pipeline` and
`uniform-gpu-pipeline=format=isa` (sm_87). Prints one row per model, the
ONNX size, and the import time against issue #7's goal (UniForm-m5, the
paper's UniForm-l, imports in under 2 s).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def best(command, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--models", default="m0,m1,m3,m5")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bin_dir = os.path.join(args.build_dir, "bin")
    translate = os.path.join(bin_dir, "uniform-translate")
    opt = os.path.join(bin_dir, "uniform-opt")
    print(f"{'model':6} {'onnx MB':>8} {'import s':>9} {'raise s':>8} "
          f"{'cpu s':>7} {'sm_87 s':>8}")
    goal = None
    with tempfile.TemporaryDirectory() as work:
        for name in args.models.split(","):
            onnx_path = os.path.join(work, name + ".onnx")
            mlir = os.path.join(work, name + ".mlir")
            subprocess.run([sys.executable, os.path.join(ROOT, "examples/uniform/export.py"),
                            name, onnx_path], check=True, stdout=subprocess.DEVNULL)
            t_import = best([translate, "--import-onnx", onnx_path, "-o", mlir], args.repeat)
            t_raise = best([opt, mlir, "--attn-raise", "--canonicalize", "--cse",
                            "--attn-reuse-heads", "-o", os.devnull], args.repeat)
            t_cpu = best([opt, mlir, "--uniform-cpu-pipeline", "-o", os.devnull], args.repeat)
            t_gpu = best([opt, mlir, "--uniform-gpu-pipeline=format=isa", "-o", os.devnull],
                         args.repeat)
            size = os.path.getsize(onnx_path) / 2**20
            print(f"{name:6} {size:8.1f} {t_import:9.2f} {t_raise:8.2f} {t_cpu:7.2f} {t_gpu:8.2f}",
                  flush=True)
            if name == "m5":
                goal = t_import
    if goal is not None:
        print(f"m5 import: {goal:.2f} s, {2.0 / goal:.1f}x under the 2 s goal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
