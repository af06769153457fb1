#!/usr/bin/env python3
"""Kernels per model for sm_87: ours (fused and unfused) beside IREE's.

  /usr/bin/python3 bench/gpu/kernel_stats.py [--build-dir build]
      [--models m0,m0-like,mobilenet_v3_small,efficientnet_b0] [--no-iree]
      [--emulate] [--matmul-precision f32|f16|bf16] [--csv FILE]

A benchmark, not a test. Each model is exported to ONNX (random weights, no
downloads): UniForm m0-m5 from examples/uniform/models.py, `m0-like` from
test/lib/attention_corpus.py (an independently written UniForm-m0), and any
torchvision architecture by name through test/lib/torchvision_export.py. For
each it prints, in one run:

  * ours, from `uniform-gpu-pipeline=format=isa`: the kernel launches one
    inference makes (`gpu.launch_func` ops; with fuse-kernels=false, one
    per linalg op), the distinct kernels in the binary (identical ones
    share a module), the tensor-core kernels among them, the most
    registers of any kernel and the kernels that spill, from ptxas for
    sm_87 (tools/ptxas-report.py);
  * IREE, from `iree-compile --iree-hal-target-device=cuda
    --iree-cuda-target=sm_87` of the same ONNX file (after
    `iree-import-onnx`): its dispatches per inference
    (`stream.cmd.dispatch` ops at --compile-to=stream; its fills and copies
    not counted) and its distinct kernels (`.entry` points in its PTX,
    which it deduplicates too);
  * ours / IREE for both;
  * with --emulate, one inference of ours on the CUDA emulator (random
    input, `uniform-run --device=cuda-emulator --profile`): the global
    memory it moves (MB, all kernels) and its shared-memory wavefronts over
    the minimum (bank conflicts, 1.00x for none; "-" without shared
    memory). About half a minute per UniForm model (m5: 3 minutes), minutes
    for the torchvision ones.

--matmul-precision f16 (or bf16) compiles ours with the matmuls and 1x1
convolutions on the tensor cores (uniform-gpu-pipeline's
matmul-precision; the default f32 keeps them SIMT loops).

IREE (iree-base-compiler) and onnx are installed from PyPI into a venv under
the build directory, for this benchmark only (--no-iree skips them).
"""
import argparse
import csv
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON = "/usr/bin/python3"  # Debian's, with torch, onnx and torchvision
UNIFORM_MODELS = ("m0", "m1", "m2", "m3", "m4", "m5")


def run(command, **kwargs):
    return subprocess.run(command, check=True, text=True,
                          capture_output=True, **kwargs)


def export(model, work):
    """Writes WORK/m.onnx for `model`; returns its path."""
    onnx = os.path.join(work, "m.onnx")
    if os.path.exists(onnx):
        return onnx
    env = dict(os.environ, OMP_NUM_THREADS="1")
    if model in UNIFORM_MODELS:
        command = [PYTHON, os.path.join(ROOT, "examples/uniform/export.py"),
                   model, onnx]
    elif model == "m0-like":
        command = [PYTHON, os.path.join(ROOT, "test/lib/attention_corpus.py"),
                   "uniform_m0_like", onnx]
    else:
        command = [PYTHON, os.path.join(ROOT, "test/lib/torchvision_export.py"),
                   model, onnx, work]
    run(command, env=env)
    return onnx


def ours(bin_dir, onnx, work, fuse, matmul):
    """(launches, distinct kernels, tensor-core kernels, max registers,
    spilling kernels)."""
    mlir = os.path.join(work, "m.mlir")
    if not os.path.exists(mlir):
        run([os.path.join(bin_dir, "uniform-translate"), "--import-onnx", onnx,
             "-o", mlir])
    isa = os.path.join(work, f"gpu-fuse-{str(fuse).lower()}-{matmul}.mlir")
    run([os.path.join(bin_dir, "uniform-opt"), mlir,
         f"--uniform-gpu-pipeline=format=isa fuse-kernels={str(fuse).lower()}"
         f" matmul-precision={matmul}", "-o", isa])
    report = run([PYTHON, os.path.join(ROOT, "tools/ptxas-report.py"), isa,
                  "--chip", "sm_87"]).stdout
    with open(isa) as f:
        launches = len(re.findall(r"\bgpu\.launch_func\b", f.read()))
    kernels = tensor_core = spilling = max_regs = 0
    for line in report.splitlines()[1:]:
        fields = line.split()
        if len(fields) != 10 or not fields[2].isdigit():
            continue
        kernels += 1
        max_regs = max(max_regs, int(fields[2]))
        spilling += int(fields[4]) > 0 or int(fields[5]) > 0
        tensor_core += int(fields[7]) > 0
    return launches, kernels, tensor_core, max_regs, spilling


def emulate(bin_dir, onnx, work, matmul):
    """(global MB, shared-memory conflict factor) of one emulated inference."""
    import numpy as np
    import onnx as onnx_lib
    graph = onnx_lib.load(onnx, load_external_data=False).graph
    weights = {t.name for t in graph.initializer}
    inputs = []
    for index, value in enumerate(
            v for v in graph.input if v.name not in weights):
        dims = [d.dim_value for d in value.type.tensor_type.shape.dim]
        path = os.path.join(work, f"in{index}.npy")
        np.save(path, np.random.default_rng(index).standard_normal(
            dims).astype(np.float32))
        inputs += ["--input", path]
    module = os.path.join(work, f"gpu-llvm-{matmul}.mlir")
    run([os.path.join(bin_dir, "uniform-opt"), os.path.join(work, "m.mlir"),
         f"--uniform-gpu-pipeline=format=llvm matmul-precision={matmul}",
         "-o", module])
    profile = run([os.path.join(bin_dir, "uniform-run"), module, "-O0",
                   "--device=cuda-emulator", "--profile",
                   "--output", os.path.join(work, "out.npy")] + inputs).stdout
    for line in profile.splitlines():
        fields = line.split()
        if fields and fields[0] == "total" and len(fields) >= 15:
            # No shared-memory requests (no fused kernels): no factor.
            conflict = fields[14] if int(fields[13]) else "-"
            return float(fields[12]), conflict
    raise RuntimeError("no totals in the emulator's profile")


def iree_venv(build_dir):
    """The venv with iree-compile and iree-import-onnx, created on demand."""
    venv = os.path.join(build_dir, "bench-venv")
    bin_dir = os.path.join(venv, "bin")
    if not os.path.exists(os.path.join(bin_dir, "iree-compile")):
        print("installing iree-base-compiler and onnx into", venv,
              file=sys.stderr)
        run([sys.executable, "-m", "venv", venv])
        run([os.path.join(bin_dir, "pip"), "install", "-q",
             "iree-base-compiler", "onnx"])
    return bin_dir


def iree(venv_bin, onnx, work):
    """IREE's (dispatches per inference, distinct kernels) for sm_87."""
    imported = os.path.join(work, "iree.mlir")
    run([os.path.join(venv_bin, "iree-import-onnx"), onnx, "-o", imported])
    target = ["--iree-hal-target-device=cuda", "--iree-cuda-target=sm_87"]
    stream = os.path.join(work, "iree-stream.mlir")
    run([os.path.join(venv_bin, "iree-compile"), imported, *target,
         "--compile-to=stream", "-o", stream])
    with open(stream) as f:
        dispatches = len(re.findall(r"\bstream\.cmd\.dispatch\b", f.read()))
    dump = os.path.join(work, "iree-dump")
    run([os.path.join(venv_bin, "iree-compile"), imported, *target,
         f"--iree-hal-dump-executable-files-to={dump}",
         "-o", os.path.join(work, "m.vmfb")])
    entries = 0
    for name in os.listdir(dump):
        if name.endswith(".ptx"):
            with open(os.path.join(dump, name)) as f:
                entries += len(re.findall(r"^\.visible \.entry ", f.read(),
                                          re.M))
    return dispatches, entries


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument(
        "--models", default="m0,m0-like,mobilenet_v3_small,efficientnet_b0")
    parser.add_argument("--no-iree", action="store_true")
    parser.add_argument("--emulate", action="store_true",
                        help="add the emulator's global MB and bank "
                        "conflicts per inference")
    parser.add_argument("--matmul-precision", choices=("f32", "f16", "bf16"),
                        default="f32",
                        help="ours with the products on the tensor cores "
                        "(f16 or bf16) or SIMT loops (f32, the default)")
    parser.add_argument("--csv")
    args = parser.parse_args()
    bin_dir = os.path.join(args.build_dir, "bin")
    venv_bin = None if args.no_iree else iree_venv(args.build_dir)

    header = ["model", "launches", "kernels", "unfused", "tensor-core",
              "max-regs", "spilling", "iree-disp", "iree-kern",
              "launch/iree", "kern/iree"]
    if args.emulate:
        header += ["global-MB", "conflict"]
    line = "{:<20}" + "{:>12}" * (len(header) - 1)
    rows = []
    print(line.format(*header))
    for model in args.models.split(","):
        work = os.path.join(args.build_dir, "kernel-stats", model)
        os.makedirs(work, exist_ok=True)
        onnx = export(model, work)
        matmul = args.matmul_precision
        fused = ours(bin_dir, onnx, work, fuse=True, matmul=matmul)
        unfused = ours(bin_dir, onnx, work, fuse=False, matmul=matmul)[0]
        theirs = iree(venv_bin, onnx, work) if venv_bin else ("-", "-")
        ratios = [f"{a / b:.2f}" if venv_bin else "-"
                  for a, b in zip(fused[:2], theirs)]
        row = [model, fused[0], fused[1], unfused, *fused[2:], *theirs,
               *ratios]
        if args.emulate:
            row += list(emulate(bin_dir, onnx, work, matmul))
        rows.append(row)
        print(line.format(*map(str, row)), flush=True)
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows)


if __name__ == "__main__":
    main()
