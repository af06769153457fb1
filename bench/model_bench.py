#!/usr/bin/env python3
"""Whole-model CPU benchmark: ours against ONNX Runtime and IREE, on the same
ONNX files, single threaded, measured in one run and printed as ratios.

  /usr/bin/python3 bench/model_bench.py [--build-dir build] [--out build/bench]
      [--models layer-global,...,m5] [--runs 10] [--warmup 3] [--no-peers]

Each model of examples/uniform/export.py is exported once (its input and
PyTorch's output beside it). Then, one model after the other:
  * ours: `uniform-translate --import-onnx`, `uniform-opt
    --uniform-cpu-pipeline`, `uniform-run --benchmark R --warmup W
    --benchmark-format=json` (one thread); compile_s is the import, the
    pipeline and the JIT (`uniform-run --dry-run`, a first compile: the
    object cache is the run's own);
  * ONNX Runtime (CPUExecutionProvider, 1 intra-op thread) and IREE
    (llvm-cpu, --iree-llvmcpu-target-cpu=host, local-sync) through
    bench/peer_times.py in a venv under the build directory, which this
    script creates and fills from PyPI (onnxruntime, iree-base-compiler,
    iree-base-runtime, onnx) the first time. They are for this benchmark
    only; tests and setup never use them.
Times are medians in ms of R >= 10 runs after W warm-up runs; the ratios are
ours / theirs (below 1 is faster than them). Every side's output is checked
against PyTorch's (max_abs). Writes models.csv and, when python3-matplotlib
is there (tools/setup.sh --bench), models.png to --out. The CPU's name and
vector ISA are printed with the table.
"""
import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = ("layer-global,layer-window,vit-block,efficientvit-block,"
          "m0,m1,m3,m5")
PEER_PACKAGES = ["onnxruntime", "iree-base-compiler", "iree-base-runtime",
                 "onnx"]
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
              "MKL_NUM_THREADS": "1"}


def run(command, **kwargs):
    env = dict(os.environ, **ONE_THREAD)
    return subprocess.run(command, check=True, env=env, **kwargs)


def cpu_description():
    name, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    name = value.strip()
                elif key.strip() in ("flags", "Features"):
                    flags = set(value.split())
    except OSError:
        pass
    isa = next((i for i, f in (("AVX-512", "avx512f"), ("AVX2", "avx2"),
                               ("NEON", "asimd")) if f in flags),
               platform.machine())
    return f"{name} ({platform.machine()}, {isa})"


def peer_venv(build_dir):
    """The venv's python with the peers installed, created on demand."""
    venv = os.path.join(build_dir, "bench-venv")
    python = os.path.join(venv, "bin", "python")
    probe = "import onnxruntime, iree.runtime, iree.compiler"
    if os.path.exists(python) and subprocess.run(
            [python, "-c", probe], capture_output=True).returncode == 0:
        return python
    print("installing", ", ".join(PEER_PACKAGES), "into", venv, flush=True)
    if not os.path.exists(python):
        run([sys.executable, "-m", "venv", venv])
    run([python, "-m", "pip", "install", "-q", *PEER_PACKAGES])
    return python


def export(name, work):
    onnx = os.path.join(work, name + ".onnx")
    data = os.path.join(work, name)
    os.makedirs(data, exist_ok=True)
    run([sys.executable, os.path.join(ROOT, "examples/uniform/export.py"),
         name, onnx, "--check", data], stdout=subprocess.DEVNULL)
    return onnx, os.path.join(data, "in0.npy"), os.path.join(data, "ref.npy")


def ours(bin_dir, onnx, x, ref, args):
    base = os.path.splitext(onnx)[0]
    start = time.perf_counter()
    run([os.path.join(bin_dir, "uniform-translate"), "--import-onnx", onnx,
         "-o", base + ".mlir"])
    run([os.path.join(bin_dir, "uniform-opt"), base + ".mlir",
         "--uniform-cpu-pipeline", "-o", base + ".cpu.mlir"])
    # A cache of this run's own (in the temporary directory): the dry run
    # is a first compile, and the timed runs load what it cached.
    runner = [os.path.join(bin_dir, "uniform-run"), base + ".cpu.mlir",
              "--input", x, "--cache-dir=" + base + ".cache"]
    run(runner + ["--dry-run"], stdout=subprocess.DEVNULL)
    compile_s = time.perf_counter() - start
    out = run(runner + ["--output", base + ".out.npy",
                        f"--benchmark={args.runs}", f"--warmup={args.warmup}",
                        "--benchmark-format=json"],
              capture_output=True, text=True).stdout
    stats = json.loads(out.strip().splitlines()[-1])
    stats["compile_s"] = compile_s
    stats["max_abs"] = float(np.max(np.abs(np.load(base + ".out.npy") -
                                           np.load(ref))))
    return stats


def peers(python, onnx, x, ref, work, args):
    out = run([python, os.path.join(ROOT, "bench/peer_times.py"), onnx, x,
               work, "--ref", ref, f"--runs={args.runs}",
               f"--warmup={args.warmup}"], capture_output=True,
              text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def cell(stats, key="median_ms", fmt="{:.3f}"):
    if not stats:
        return "-"
    if "error" in stats:
        return "failed"
    return fmt.format(stats[key])


def ratio(a, b):
    if not a or not b or "error" in a or "error" in b:
        return "-"
    return f"{a['median_ms'] / b['median_ms']:.2f}"


def plot(rows, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(no PNG: python3-matplotlib is missing; tools/setup.sh "
              "--bench installs it)")
        return
    names = [r["model"] for r in rows]
    fig, ax = plt.subplots(figsize=(1.2 * len(names) + 2, 4))
    width = 0.27
    for i, side in enumerate(("ours", "iree", "ort")):
        values = [r[side + "_ms"] if isinstance(r[side + "_ms"], float)
                  else 0.0 for r in rows]
        ax.bar([j + (i - 1) * width for j in range(len(names))], values,
               width, label=side)
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set_yscale("log")
    ax.set_ylabel("median ms, 1 thread (log)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--out", default=None)
    parser.add_argument("--models", default=MODELS)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--no-peers", action="store_true")
    args = parser.parse_args()
    if args.runs < 10:
        parser.error("--runs must be at least 10")
    out_dir = args.out or os.path.join(args.build_dir, "bench")
    os.makedirs(out_dir, exist_ok=True)
    bin_dir = os.path.join(args.build_dir, "bin")
    python = None if args.no_peers else peer_venv(args.build_dir)
    print("CPU:", cpu_description(), "| 1 thread | medians of",
          args.runs, "runs after", args.warmup, "warm-up runs")
    header = (f"{'model':18} {'ours ms':>9} {'IREE ms':>9} {'ORT ms':>9} "
              f"{'/IREE':>6} {'/ORT':>6} {'ours s':>7} {'IREE s':>7} "
              f"{'max |err| ours/IREE/ORT':>26}")
    print(header, flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for name in args.models.split(","):
            onnx, x, ref = export(name, work)
            mine = ours(bin_dir, onnx, x, ref, args)
            theirs = peers(python, onnx, x, ref, os.path.join(work, name),
                           args) if python else {}
            iree, ort = theirs.get("iree"), theirs.get("ort")
            errors = "/".join(cell(s, "max_abs", "{:.1e}")
                              for s in (mine, iree, ort))
            print(f"{name:18} {cell(mine):>9} {cell(iree):>9} "
                  f"{cell(ort):>9} {ratio(mine, iree):>6} "
                  f"{ratio(mine, ort):>6} "
                  f"{cell(mine, 'compile_s', '{:.1f}'):>7} "
                  f"{cell(iree, 'compile_s', '{:.1f}'):>7} {errors:>26}",
                  flush=True)
            rows.append({
                "model": name, "ours_ms": mine["median_ms"],
                "iree_ms": iree.get("median_ms", "") if iree else "",
                "ort_ms": ort.get("median_ms", "") if ort else "",
                "ours_over_iree": ratio(mine, iree),
                "ours_over_ort": ratio(mine, ort),
                "ours_compile_s": round(mine["compile_s"], 2),
                "iree_compile_s": round(iree["compile_s"], 2)
                if iree and "compile_s" in iree else "",
                "ours_max_abs": mine["max_abs"],
                "iree_max_abs": iree.get("max_abs", "") if iree else "",
                "ort_max_abs": ort.get("max_abs", "") if ort else ""})
    with open(os.path.join(out_dir, "models.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    plot(rows, os.path.join(out_dir, "models.png"))
    print("wrote", os.path.join(out_dir, "models.csv"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
