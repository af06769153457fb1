#!/usr/bin/env python3
"""Builds the ahead-of-time libraries that bench/gpu/run.py times, on a
development machine (no GPU needed; ptxas from the CUDA toolkit is).

  /usr/bin/python3 bench/gpu/build-libs.py [--out DIR] [--chip sm_87]
      [--host-triple aarch64-linux-gnu] [--target cuda|cpu] [--quick]

For every configuration, an `attn.reuse` (one attention matrix for all heads)
and the equivalent `attn.mha` (H matrices) in f16 are compiled with
`uniform-compile --target=cuda --precision=f16` (the fused tensor-core
kernels) into DIR/lib<config>-<kind>.so (plus .h), and
DIR/manifest.json records shapes, dtypes and FLOP counts. Copy DIR to the GPU
machine (for a Jetson, build with --host-triple=aarch64-linux-gnu) and run
run.py there; it needs PyTorch but no MLIR. `--target cpu` builds CPU
libraries of the same entry points, which run.py --self-check uses to test
its own calling code without a GPU.
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# name, B, H, N (= M), Dk, Dv: UniForm-l's three attention stages at batch 64,
# and long sequences with 8 heads of 64.
CONFIGS = [
    ("uniform-l-stage1", 64, 3, 49, 48, 64),
    ("uniform-l-stage2", 64, 3, 49, 72, 96),
    ("uniform-l-stage3", 64, 4, 16, 96, 96),
    ("long-1024", 1, 8, 1024, 64, 64),
    ("long-4096", 1, 8, 4096, 64, 64),
]


def ty(shape, dtype):
    return "tensor<" + "x".join(str(s) for s in shape) + "x" + dtype + ">"


def shapes(kind, B, H, N, Dk, Dv):
    if kind == "reuse":
        return [(B, N, Dk), (B, N, Dk), (B, H, N, Dv)], (B, H, N, Dv)
    return [(B, H, N, Dk), (B, H, N, Dk), (B, H, N, Dv)], (B, H, N, Dv)


def module(kind, B, H, N, Dk, Dv, dtype="f16"):
    ins, out = shapes(kind, B, H, N, Dk, Dv)
    args = ", ".join(f"%{n}: {ty(s, dtype)}" for n, s in zip("qkv", ins))
    types = ", ".join(ty(s, dtype) for s in ins)
    scale = repr(float(Dk ** -0.5))
    return (f"func.func @forward({args}) -> {ty(out, dtype)} {{\n"
            f"  %0 = attn.{kind} %q, %k, %v scale({scale}) : {types} -> {ty(out, dtype)}\n"
            f"  return %0 : {ty(out, dtype)}\n}}\n")


def flops(kind, B, H, N, Dk, Dv):
    if kind == "reuse":
        return 2 * B * N * N * Dk + 2 * B * H * N * N * Dv
    return 2 * B * H * N * N * (Dk + Dv)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=os.path.join(ROOT, "build", "bench", "gpu"))
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--chip", default="sm_87")
    p.add_argument("--host-triple", default="")
    p.add_argument("--target", default="cuda", choices=["cuda", "cpu"])
    p.add_argument("--quick", action="store_true",
                   help="only the UniForm shapes and N=1024")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    compile_tool = os.path.join(a.build, "bin", "uniform-compile")
    if not os.access(compile_tool, os.X_OK):
        sys.exit(f"{compile_tool} is missing: build the project first")
    entries = []
    for name, B, H, N, Dk, Dv in CONFIGS:
        if a.quick and N > 1024:
            continue
        for kind in ("reuse", "mha"):
            src = os.path.join(a.out, f"{name}-{kind}.mlir")
            with open(src, "w") as f:
                f.write(module(kind, B, H, N, Dk, Dv))
            lib = f"lib{name}-{kind}.so"
            cmd = [compile_tool, src, "-o", os.path.join(a.out, lib),
                   f"--target={a.target}"]
            if a.target == "cuda":
                # The fused tensor-core kernels (f16 inputs, f32 softmax).
                cmd += [f"--chip={a.chip}", "--precision=f16"]
            if a.host_triple:
                cmd.append(f"--host-triple={a.host_triple}")
            subprocess.run(cmd, check=True)
            ins, out = shapes(kind, B, H, N, Dk, Dv)
            entries.append({
                "config": name, "kind": kind, "library": lib, "target": a.target,
                "B": B, "H": H, "N": N, "Dk": Dk, "Dv": Dv, "dtype": "float16",
                "inputs": ins, "output": out, "scale": Dk ** -0.5,
                "flops": flops(kind, B, H, N, Dk, Dv)})
            print(f"built {lib}", flush=True)
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump({"chip": a.chip, "host_triple": a.host_triple or "native",
                   "entries": entries}, f, indent=1)
    print(f"wrote {a.out}/manifest.json ({len(entries)} libraries)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
