#!/usr/bin/env python3
"""Differential test of the CPU path against the NumPy reference.

Each case is compiled with `uniform-opt --uniform-cpu-pipeline`, run with
`uniform-run` on random inputs, and compared with attention_reference.py.

  differential.py --bin DIR --specs "SPEC;SPEC;..." [--strategies materialize,online:16]
  differential.py --bin DIR --random COUNT --seed S
  differential.py --bin DIR --device cuda --specs ...   # uniform-gpu-pipeline on a GPU
  differential.py --bin DIR --device cuda-emulator --specs ...   # ... on the CUDA emulator
  differential.py ... --mutation drop-staging-barrier   # a broken fused kernel

SPEC is as in attention_reference.py. Random cases draw the kind, B, H, N,
M, Dk, Dv, the bias form, the element type and the strategy (with a random
tile size) from a seeded generator, so every run checks the same cases; on
the CPU about 30% of them each also get a dynamic batch dimension, a
non-default scale and (f32) logits 64x larger. The
last line is "N passed, M failed"; the exit status is non-zero on failure.
Tolerances (max abs error against a float64 reference): 1e-4 for f32, 5e-3
for f16 (the f16 result is rounded once, after f32 accumulation). With
`--device cuda` the cases go through uniform-gpu-pipeline and run with
`uniform-run --device=cuda`; the fused tensor-core kernels compute f32
models' attention in f16, so every case is held to 2e-2 there. With
`--device cuda-emulator` they are compiled with format=llvm and run on the
CUDA emulator, with the same tolerance; each line then says whether the
case took the fused tensor-core kernel ("fused") or SIMT kernels
("simt"). `--mutation NAME` builds the fused kernels with
convert-attn-to-nvgpu's test-mutation=NAME first (a defect the emulator
must catch).
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import attention_reference as ref  # noqa: E402

import numpy as np  # noqa: E402

TOLERANCE = {"f32": 1e-4, "f16": 5e-3}
# On the GPU, f32 models' attention runs in f16 on the tensor cores.
GPU_TOLERANCE = 2e-2


GPU_DEVICES = ("cuda", "cuda-emulator")


def fuse_attention(bindir, mlir, workdir, mutation):
    """Runs convert-attn-to-nvgpu (with the mutation, if any) on its own;
    returns the module to lower and whether the fused kernel took the op."""
    fused = os.path.join(workdir, "case.fused.mlir")
    option = f"=test-mutation={mutation}" if mutation else ""
    subprocess.run([os.path.join(bindir, "uniform-opt"), mlir,
                    f"--convert-attn-to-nvgpu{option}", "-o", fused], check=True)
    with open(fused) as f:
        return fused, "nvgpu.mma.sync" in f.read()


def run_case(bindir, spec, strategy, workdir, device="cpu", mutation=None):
    """The max abs error of one case, and "fused"/"simt" on the GPU."""
    for name in os.listdir(workdir):
        os.remove(os.path.join(workdir, name))
    mlir = os.path.join(workdir, "case.mlir")
    with open(mlir, "w") as f:
        ref.gen(spec, workdir, out=f)
    name, _, tile = strategy.partition(":")
    gpu = device in GPU_DEVICES
    kernels = ""
    if gpu:
        mlir, fused = fuse_attention(bindir, mlir, workdir, mutation)
        kernels = "fused" if fused else "simt"
    pipeline = f"--uniform-{'gpu' if gpu else 'cpu'}-pipeline=strategy={name}"
    if tile:
        pipeline += f" tile-m={tile}"
    if device == "cuda-emulator":
        pipeline += " format=llvm"
    lowered = os.path.join(workdir, "case.ll.mlir")
    subprocess.run([os.path.join(bindir, "uniform-opt"), mlir, pipeline, "-o", lowered],
                   check=True)
    args = [os.path.join(bindir, "uniform-run"), lowered, "--entry", "forward",
            f"--device={device}"]
    for arg in ("q", "k", "v", "b"):
        path = os.path.join(workdir, arg + ".npy")
        if os.path.exists(path):
            args += ["--input", path]
    out = os.path.join(workdir, "out.npy")
    args += ["--output", out]
    subprocess.run(args, check=True)
    got = np.load(out).astype(np.float64)
    want = np.load(os.path.join(workdir, "ref.npy")).astype(np.float64)
    if got.shape != want.shape:
        return float("inf"), kernels
    if not got.size:
        return 0.0, kernels
    err = float(np.max(np.abs(got - want)))
    return (float("inf") if np.isnan(err) else err), kernels


def random_cases(count, seed, extremes=False):
    """Seeded random cases. With `extremes` (the CPU), some also get a
    dynamic batch dimension, a non-default scale, or (f32 only) q and k 8x
    larger, so that the logits reach hundreds and a softmax without its
    max subtraction overflows; these come from a generator of their own, so
    that the other draws are the same with or without them."""
    rng = random.Random(seed)
    cases = []
    for i in range(count):
        kind = rng.choice(["reuse", "mha"])
        B = rng.choice([1, 1, 2, 3])
        H = rng.randint(1, 5)
        N = rng.choice([1, 2, 7, 16, 33, 49, rng.randint(1, 80)])
        M = rng.choice([1, 3, 7, 16, 49, 64, rng.randint(1, 80)])
        Dk = rng.choice([1, 3, 8, 16, 32, rng.randint(1, 64)])
        Dv = rng.choice([1, 4, 16, 32, rng.randint(1, 64)])
        biases = ["none", "NM", "BNM", "M", "1"] + (["HNM", "BHNM"] if kind == "mha" else [])
        bias = rng.choice(biases)
        dtype = rng.choice(["f32", "f32", "f16"])
        strategy = rng.choice(["materialize", f"online:{rng.choice([1, 4, 7, 16, 64])}"])
        spec = (f"kind={kind},B={B},H={H},N={N},M={M},Dk={Dk},Dv={Dv},"
                f"bias={bias},dtype={dtype},seed={seed * 100000 + i}")
        if extremes:
            extra = random.Random(f"{seed}:{i}")
            if extra.random() < 0.3:
                spec += ",dynamic=1"
            if extra.random() < 0.3:
                spec += f",scale={extra.choice([0.01, 0.5, 2.0, 4.0])}"
            if dtype == "f32" and extra.random() < 0.3:
                spec += ",amp=8"
        cases.append((spec, strategy))
    return cases


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--specs")
    p.add_argument("--strategies", default="materialize,online:16")
    p.add_argument("--random", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", choices=["cpu", *GPU_DEVICES], default="cpu")
    p.add_argument("--mutation", default=None)
    a = p.parse_args()

    cases = []
    if a.specs:
        for spec in a.specs.split(";"):
            for strategy in a.strategies.split(","):
                cases.append((spec.strip(), strategy))
    cases += random_cases(a.random, a.seed, extremes=a.device == "cpu")

    passed = failed = 0
    worst = (0.0, None)
    with tempfile.TemporaryDirectory() as workdir:
        for spec, strategy in cases:
            dtype = ref.parse(spec)["dtype"]
            tol = GPU_TOLERANCE if a.device in GPU_DEVICES else TOLERANCE[dtype]
            try:
                err, kernels = run_case(a.bin, spec, strategy, workdir, a.device,
                                        a.mutation)
            except subprocess.CalledProcessError as e:
                print(f"FAIL {spec} {strategy}: {e}")
                failed += 1
                continue
            ok = err <= tol
            print(f"{'ok  ' if ok else 'FAIL'} {spec} {strategy}{' ' + kernels if kernels else ''}:"
                  f" max abs error {err:.3g} (tolerance {tol:g})")
            if ok:
                passed += 1
            else:
                failed += 1
            if err / tol > worst[0]:
                worst = (err / tol, f"{spec} {strategy}: {err:.3g}")
    print(f"worst error relative to tolerance: {worst[0]:.3f} ({worst[1]})")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
