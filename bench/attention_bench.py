#!/usr/bin/env python3
"""Attention benchmark on this CPU: Reuse Attention vs per-head MHA, both
lowering strategies, and our compiled code vs PyTorch eager, all measured in
one run and printed as ratios.

  /usr/bin/python3 bench/attention_bench.py [--build build] [--out build/bench] [--quick]

Our side: each variant is compiled with `uniform-opt --uniform-cpu-pipeline`
and timed by `uniform-run --benchmark R` (median of R runs after a warm-up,
one thread). PyTorch side: the same math in eager mode
(softmax(scale * q @ k^T + bias) @ v), torch.set_num_threads(1),
OPENBLAS_NUM_THREADS=1, median of R runs after a warm-up. Writes
attention.csv and attention.png (time vs sequence length per variant) to
--out. Needs python3-torch, python3-matplotlib and libopenblas0-pthread
(tools/setup.sh --bench installs them).
"""
import argparse
import csv
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# UniForm-l (m5) at 224 px, 16 images: stage 1 has 4 windows of 7x7 per
# image, stages 2 and 3 attend globally over 7x7 and 4x4 tokens.
CONFIGS = [
    # name, B, H, N(=M), Dk, Dv, bias, repetitions
    ("uniform-l stage1", 64, 3, 49, 48, 64, True, 20),
    ("uniform-l stage2", 16, 3, 49, 72, 96, True, 20),
    ("uniform-l stage3", 16, 4, 16, 96, 96, True, 20),
    ("long N=1024", 1, 4, 1024, 64, 64, False, 5),
    ("long N=4096", 1, 4, 4096, 64, 64, False, 2),
]


def ty(shape):
    return "tensor<" + "x".join(str(s) for s in shape) + "xf32>"


def module(kind, B, H, N, Dk, Dv, bias):
    if kind == "reuse":
        qs, ks = (B, N, Dk), (B, N, Dk)
    else:
        qs, ks = (B, H, N, Dk), (B, H, N, Dk)
    vs, rs = (B, H, N, Dv), (B, H, N, Dv)
    args = [f"%q: {ty(qs)}", f"%k: {ty(ks)}", f"%v: {ty(vs)}"]
    b = ""
    if bias:
        args.append(f"%b: {ty((N, N))}")
        b = f" bias(%b : {ty((N, N))})"
    scale = float(np.float32(Dk ** -0.5))
    return (f"func.func @forward({', '.join(args)}) -> {ty(rs)} {{\n"
            f"  %0 = attn.{kind} %q, %k, %v{b} scale({scale!r}) : {ty(qs)}, {ty(ks)}, {ty(vs)} -> {ty(rs)}\n"
            f"  return %0 : {ty(rs)}\n}}\n")


def inputs(kind, B, H, N, Dk, Dv, bias, rng):
    if kind == "reuse":
        q = rng.standard_normal((B, N, Dk)).astype(np.float32)
        k = rng.standard_normal((B, N, Dk)).astype(np.float32)
    else:
        q = rng.standard_normal((B, H, N, Dk)).astype(np.float32)
        k = rng.standard_normal((B, H, N, Dk)).astype(np.float32)
    v = rng.standard_normal((B, H, N, Dv)).astype(np.float32)
    arrays = [q, k, v]
    if bias:
        arrays.append(rng.standard_normal((N, N)).astype(np.float32))
    return arrays


def time_ours(build, workdir, kind, strategy, cfg, arrays, reps):
    _, B, H, N, Dk, Dv, bias, _ = cfg
    src = os.path.join(workdir, f"{kind}.mlir")
    with open(src, "w") as f:
        f.write(module(kind, B, H, N, Dk, Dv, bias))
    lowered = os.path.join(workdir, f"{kind}-{strategy}.ll.mlir")
    # reuse-heads=false: the MHA variant must really compute H matrices.
    subprocess.run([os.path.join(build, "bin", "uniform-opt"), src,
                    f"--uniform-cpu-pipeline=strategy={strategy} reuse-heads=false",
                    "-o", lowered], check=True)
    cmd = [os.path.join(build, "bin", "uniform-run"), lowered, "--entry", "forward",
           "--benchmark", str(reps)]
    for i, a in enumerate(arrays):
        path = os.path.join(workdir, f"in{i}.npy")
        np.save(path, a)
        cmd += ["--input", path]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    m = re.search(r"median ([0-9.]+) ms", out)
    return float(m.group(1))


def score_part(build, src, dst):
    """Writes to `dst` the score part of the attention in `src` as our
    pipeline computes it: convert-attn-to-linalg's own IR up to and
    including linalg.softmax, returned instead of the value product."""
    out = subprocess.run([os.path.join(build, "bin", "uniform-opt"), src,
                          "--convert-attn-to-linalg"], check=True,
                         capture_output=True, text=True).stdout
    m = re.search(r"(%[\w]+) = linalg\.softmax .* -> (tensor<[^>]+>)", out)
    ret = re.search(r"return (%[\w]+) : (tensor<[^>]+>)", out)
    if not m or not ret:
        sys.exit("cannot find the softmax in convert-attn-to-linalg's output")
    value, ty = m.group(1), m.group(2)
    out = out.replace(ret.group(0), f"return {value} : {ty}")
    out = re.sub(r"\) -> tensor<[^>]+> \{", f") -> {ty} {{", out, count=1)
    with open(dst, "w") as f:
        f.write(out)


def time_scores(build, workdir, kind, cfg, arrays, reps):
    """The score part alone (scores, scale, bias, softmax), materialize."""
    _, B, H, N, Dk, Dv, bias, _ = cfg
    src = os.path.join(workdir, f"{kind}.mlir")
    with open(src, "w") as f:
        f.write(module(kind, B, H, N, Dk, Dv, bias))
    scores = os.path.join(workdir, f"{kind}-scores.mlir")
    score_part(build, src, scores)
    lowered = os.path.join(workdir, f"{kind}-scores.ll.mlir")
    subprocess.run([os.path.join(build, "bin", "uniform-opt"), scores,
                    "--uniform-cpu-pipeline=reuse-heads=false", "-o", lowered],
                   check=True)
    cmd = [os.path.join(build, "bin", "uniform-run"), lowered, "--entry",
           "forward", "--benchmark", str(reps)]
    for i, a in enumerate(arrays):
        path = os.path.join(workdir, f"in{i}.npy")
        np.save(path, a)
        cmd += ["--input", path]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return float(re.search(r"median ([0-9.]+) ms", out).group(1))


def time_torch(kind, cfg, arrays, reps):
    import torch
    torch.set_num_threads(1)
    _, B, H, N, Dk, Dv, bias, _ = cfg
    scale = float(np.float32(Dk ** -0.5))
    t = [torch.from_numpy(a) for a in arrays]
    q, k, v = t[0], t[1], t[2]
    b = t[3] if bias else None

    def run():
        with torch.no_grad():
            if kind == "reuse":
                s = torch.matmul(q, k.transpose(-1, -2)) * scale
                if b is not None:
                    s = s + b
                p = torch.softmax(s, dim=-1)
                return torch.matmul(p.unsqueeze(1), v)  # one A for all heads
            s = torch.matmul(q, k.transpose(-1, -2)) * scale
            if b is not None:
                s = s + b
            return torch.matmul(torch.softmax(s, dim=-1), v)

    run()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--out", default=os.path.join(ROOT, "build", "bench"))
    p.add_argument("--quick", action="store_true", help="skip N=4096")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    try:
        import torch
        torch_version = torch.__version__
    except ImportError:
        sys.exit("PyTorch is missing: run tools/setup.sh --bench")

    rng = np.random.default_rng(0)
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for cfg in CONFIGS:
            name, B, H, N, Dk, Dv, bias, reps = cfg
            if a.quick and N > 1024:
                continue
            row = {"config": name, "B": B, "H": H, "N": N, "Dk": Dk, "Dv": Dv}
            for kind in ("reuse", "mha"):
                arrays = inputs(kind, B, H, N, Dk, Dv, bias, rng)
                for strategy in ("materialize", "online"):
                    row[f"ours_{kind}_{strategy}_ms"] = time_ours(
                        a.build, workdir, kind, strategy, cfg, arrays, reps)
                row[f"ours_{kind}_scores_ms"] = time_scores(
                    a.build, workdir, kind, cfg, arrays, reps)
                row[f"torch_{kind}_ms"] = time_torch(kind, cfg, arrays, reps)
            rows.append(row)
            r = row
            print(f"{name}: B={B} H={H} N=M={N} Dk={Dk} Dv={Dv}", flush=True)
            print(f"  ours reuse: materialize {r['ours_reuse_materialize_ms']:.3f} ms,"
                  f" online {r['ours_reuse_online_ms']:.3f} ms;"
                  f" ours mha: materialize {r['ours_mha_materialize_ms']:.3f} ms,"
                  f" online {r['ours_mha_online_ms']:.3f} ms")
            print(f"  torch eager {torch_version}: reuse {r['torch_reuse_ms']:.3f} ms,"
                  f" mha {r['torch_mha_ms']:.3f} ms")
            print(f"  (a) mha/reuse (ours, materialize): "
                  f"{r['ours_mha_materialize_ms'] / r['ours_reuse_materialize_ms']:.2f}x"
                  f"   (b) online/materialize (reuse): "
                  f"{r['ours_reuse_online_ms'] / r['ours_reuse_materialize_ms']:.2f}x"
                  f"   (c) torch/ours (reuse, best strategy): "
                  f"{r['torch_reuse_ms'] / min(r['ours_reuse_materialize_ms'], r['ours_reuse_online_ms']):.2f}x"
                  f"   torch/ours (mha): "
                  f"{r['torch_mha_ms'] / min(r['ours_mha_materialize_ms'], r['ours_mha_online_ms']):.2f}x",
                  flush=True)
            print(f"  (a') score part (scores + softmax): reuse "
                  f"{r['ours_reuse_scores_ms']:.3f} ms, mha "
                  f"{r['ours_mha_scores_ms']:.3f} ms, mha/reuse "
                  f"{r['ours_mha_scores_ms'] / r['ours_reuse_scores_ms']:.2f}x "
                  f"(H = {H})", flush=True)

    csv_path = os.path.join(a.out, "attention.csv")
    with open(csv_path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {csv_path}")

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is missing: no plot (tools/setup.sh --bench installs it)")
        return 0
    # One line per variant over the configs sorted by sequence length.
    fig, ax = plt.subplots(figsize=(8, 5))
    xs = [f"{r['config']}\nN={r['N']}" for r in rows]
    for key, label in [("ours_reuse_materialize_ms", "ours reuse (materialize)"),
                       ("ours_reuse_online_ms", "ours reuse (online)"),
                       ("ours_mha_materialize_ms", "ours MHA (materialize)"),
                       ("ours_mha_online_ms", "ours MHA (online)"),
                       ("torch_reuse_ms", "PyTorch eager reuse"),
                       ("torch_mha_ms", "PyTorch eager MHA")]:
        ax.plot(xs, [r[key] for r in rows], marker="o", label=label)
    ax.set_yscale("log")
    ax.set_ylabel("time per call (ms, median, 1 thread)")
    ax.set_title("Attention on this CPU: time vs sequence length")
    ax.legend(fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    png = os.path.join(a.out, "attention.png")
    fig.savefig(png, dpi=120)
    print(f"wrote {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
