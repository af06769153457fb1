#!/usr/bin/env python3
"""Device benchmark: our ahead-of-time Reuse Attention and per-head MHA
kernels against PyTorch on an NVIDIA GPU, from libraries built beforehand by
bench/gpu/build-libs.py (no MLIR needed here, only PyTorch with CUDA).

  python3 bench/gpu/run.py [--libs DIR] [--out DIR] [--budget SECONDS]
  python3 bench/gpu/run.py --self-check --libs DIR   # CPU libraries, no GPU

For every configuration in DIR/manifest.json it checks our result against
PyTorch and times, as medians over repeated runs:
  ours reuse      our attn.reuse library (one attention matrix for all heads)
  ours mha        our attn.mha library (one matrix per head)
  torch sdpa      torch.nn.functional.scaled_dot_product_attention on the
                  equivalent multi-head attention (FlashAttention where
                  PyTorch picks it)
  torch reuse     PyTorch's materialised reuse: softmax(s q k^T) v for all
                  heads (matmul, softmax, matmul)
and prints time, achieved TFLOP/s and ratios; writes DIR/gpu.csv and
DIR/gpu.png. The time budget (default 240 s) bounds the repetitions so the
whole run stays under 5 minutes.
"""
import argparse
import csv
import ctypes
import json
import os
import statistics
import sys
import time


# Max abs error against PyTorch in f32 that f16 attention may have.
GPU_TOLERANCE = 1e-2


class Library:
    """An ahead-of-time library from uniform-compile and its entry point."""

    def __init__(self, path, ranks):
        self.lib = ctypes.CDLL(path)
        self.fn = self.lib._mlir_ciface_forward
        self.fn.restype = None
        self.types = {r: descriptor_type(r) for r in ranks}

    def descriptor(self, ptr, shape):
        d = self.types[len(shape)]()
        d.allocated = d.aligned = ptr
        d.offset = 0
        stride = 1
        for i in reversed(range(len(shape))):
            d.sizes[i] = shape[i]
            d.strides[i] = stride
            stride *= shape[i]
        return d

    def call(self, out_rank, args):
        result = self.types[out_rank]()
        self.fn(ctypes.byref(result), *[ctypes.byref(a) for a in args])
        return result


def descriptor_type(rank):
    return type(f"memref{rank}d", (ctypes.Structure,), {"_fields_": [
        ("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
        ("offset", ctypes.c_int64), ("sizes", ctypes.c_int64 * rank),
        ("strides", ctypes.c_int64 * rank)]})


def median_time(fn, budget_s, sync=lambda: None, min_reps=5, max_reps=200):
    fn()
    sync()
    start = time.perf_counter()
    fn()
    sync()
    first = time.perf_counter() - start
    reps = max(min_reps, min(max_reps, int(budget_s / max(first, 1e-6))))
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def self_check(libs, manifest):
    """Calls every (CPU) library through the same descriptors as the GPU path
    and compares with NumPy: tests this script's calling code anywhere."""
    import numpy as np
    libc = ctypes.CDLL(None)
    libc.free.argtypes = [ctypes.c_void_p]
    worst = 0.0
    for e in manifest["entries"]:
        if e["target"] != "cpu":
            sys.exit("--self-check needs libraries built with --target cpu")
        if e["N"] > 64:
            continue
        lib = Library(os.path.join(libs, e["library"]), {3, 4})
        rng = np.random.default_rng(0)
        arrays = [rng.standard_normal(s).astype(np.float16) for s in e["inputs"]]
        descs = [lib.descriptor(a.ctypes.data, a.shape) for a in arrays]
        r = lib.call(len(e["output"]), descs)
        n = int(np.prod(e["output"]))
        buf = (ctypes.c_uint16 * n).from_address(r.aligned + 2 * r.offset)
        ours = np.frombuffer(buf, dtype=np.float16).reshape(e["output"]).astype(np.float32)
        q, k, v = (a.astype(np.float32) for a in arrays)
        s = np.einsum("...nd,...md->...nm", q, k) * e["scale"]
        p = np.exp(s - s.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        ref = (p[:, None] @ v) if e["kind"] == "reuse" else (p @ v)
        err = float(np.abs(ours - ref).max())
        libc.free(r.allocated)
        worst = max(worst, err)
        print(f"{e['config']} {e['kind']}: max abs error {err:.3g}")
    ok = worst < GPU_TOLERANCE
    print(f"self-check {'passed' if ok else 'FAILED'}: worst {worst:.3g} "
          f"(f16 tolerance {GPU_TOLERANCE:g})")
    return 0 if ok else 1


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_libs = os.path.join(os.path.dirname(os.path.dirname(here)), "build", "bench", "gpu")
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--libs", default=default_libs)
    p.add_argument("--out", default=None)
    p.add_argument("--budget", type=float, default=240.0,
                   help="seconds for all timing together")
    p.add_argument("--self-check", action="store_true")
    a = p.parse_args()
    with open(os.path.join(a.libs, "manifest.json")) as f:
        manifest = json.load(f)
    if a.self_check:
        return self_check(a.libs, manifest)

    import torch
    import torch.nn.functional as F
    if not torch.cuda.is_available():
        sys.exit("PyTorch sees no CUDA device")
    torch.backends.cuda.matmul.allow_tf32 = False
    dev = torch.device("cuda")
    entries = [e for e in manifest["entries"] if e["target"] == "cuda"]
    if not entries:
        sys.exit("no CUDA libraries in the manifest (build-libs.py --target cuda)")
    first = Library(os.path.join(a.libs, entries[0]["library"]), {3, 4})
    why = ctypes.create_string_buffer(512)
    if not first.lib.uniformCudaInit(why, 512):
        sys.exit("our CUDA runtime found no usable device: " + why.value.decode())
    per_entry = a.budget / (2 * len(entries))
    torch.cuda.synchronize()

    rows = {}
    failures = 0
    for e in entries:
        lib = Library(os.path.join(a.libs, e["library"]), {3, 4})
        lib.lib.mgpuMemFree.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        lib.lib.mgpuMemcpy.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                       ctypes.c_size_t, ctypes.c_void_p]
        lib.lib.mgpuStreamCreate.restype = ctypes.c_void_p
        lib.lib.mgpuStreamSynchronize.argtypes = [ctypes.c_void_p]
        stream = lib.lib.mgpuStreamCreate()
        g = torch.Generator(device=dev).manual_seed(0)
        q, k, v = (torch.randn(s, device=dev, dtype=torch.float16, generator=g)
                   for s in e["inputs"])
        descs = [lib.descriptor(t.data_ptr(), t.shape) for t in (q, k, v)]
        out_rank = len(e["output"])

        def ours():
            r = lib.call(out_rank, descs)
            lib.lib.mgpuMemFree(r.allocated, stream)

        # Correctness against PyTorch in f32.
        r = lib.call(out_rank, descs)
        got = torch.empty(e["output"], device=dev, dtype=torch.float16)
        lib.lib.mgpuMemcpy(got.data_ptr(), r.aligned + 2 * r.offset,
                           got.numel() * 2, stream)
        lib.lib.mgpuStreamSynchronize(stream)
        lib.lib.mgpuMemFree(r.allocated, stream)
        s = (q.float() @ k.float().transpose(-1, -2)) * e["scale"]
        pr = torch.softmax(s, -1)
        ref = (pr.unsqueeze(1) @ v.float()) if e["kind"] == "reuse" else (pr @ v.float())
        err = float((got.float() - ref).abs().max())

        ms = median_time(ours, per_entry, torch.cuda.synchronize)
        row = rows.setdefault(e["config"], {"config": e["config"], "B": e["B"], "H": e["H"],
                                            "N": e["N"], "Dk": e["Dk"], "Dv": e["Dv"]})
        row[f"ours_{e['kind']}_ms"] = ms
        row[f"ours_{e['kind']}_tflops"] = e["flops"] / ms / 1e9
        row[f"ours_{e['kind']}_max_err"] = err
        if e["kind"] == "mha":
            row["torch_sdpa_ms"] = median_time(
                lambda: F.scaled_dot_product_attention(q, k, v, scale=e["scale"]),
                per_entry / 2, torch.cuda.synchronize)
            row["torch_sdpa_tflops"] = e["flops"] / row["torch_sdpa_ms"] / 1e9
        else:
            def torch_reuse():
                sc = (q @ k.transpose(-1, -2)) * e["scale"]
                return torch.softmax(sc.float(), -1).half().unsqueeze(1) @ v
            row["torch_reuse_ms"] = median_time(torch_reuse, per_entry / 2,
                                                torch.cuda.synchronize)
            row["torch_reuse_tflops"] = e["flops"] / row["torch_reuse_ms"] / 1e9
            row["reuse_flops"] = e["flops"]
        ok = err <= GPU_TOLERANCE
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {e['config']} {e['kind']}: ours {ms:.3f} ms "
              f"({e['flops'] / ms / 1e9:.2f} TFLOP/s), max error {err:.3g} "
              f"(tolerance {GPU_TOLERANCE:g})", flush=True)

    name = torch.cuda.get_device_name()
    print(f"\n{name}, PyTorch {torch.__version__}, f16, medians")
    table = list(rows.values())
    for r in table:
        if "ours_reuse_ms" not in r or "ours_mha_ms" not in r:
            continue
        print(f"{r['config']}: ours reuse {r['ours_reuse_ms']:.3f} ms, ours mha "
              f"{r['ours_mha_ms']:.3f} ms, torch sdpa {r['torch_sdpa_ms']:.3f} ms, "
              f"torch reuse {r['torch_reuse_ms']:.3f} ms | mha/reuse (ours) "
              f"{r['ours_mha_ms'] / r['ours_reuse_ms']:.2f}x, sdpa/ours-reuse "
              f"{r['torch_sdpa_ms'] / r['ours_reuse_ms']:.2f}x, torch-reuse/ours-reuse "
              f"{r['torch_reuse_ms'] / r['ours_reuse_ms']:.2f}x")
    out = a.out or a.libs
    os.makedirs(out, exist_ok=True)
    keys = sorted({k for r in table for k in r}, key=lambda k: (k != "config", k))
    with open(os.path.join(out, "gpu.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(table)
    print(f"wrote {os.path.join(out, 'gpu.csv')}")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(8, 5))
        xs = [f"{r['config']}\nN={r['N']}" for r in table]
        for key, label in [("ours_reuse_ms", "ours reuse"), ("ours_mha_ms", "ours MHA"),
                           ("torch_sdpa_ms", "PyTorch SDPA (MHA)"),
                           ("torch_reuse_ms", "PyTorch reuse")]:
            ax.plot(xs, [r.get(key, float("nan")) for r in table], marker="o", label=label)
        ax.set_yscale("log")
        ax.set_ylabel("time per call (ms)")
        ax.set_title(f"Attention on {name} (f16)")
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(out, "gpu.png"), dpi=120)
        print(f"wrote {os.path.join(out, 'gpu.png')}")
    except ImportError:
        print("matplotlib is missing: no plot")
    if failures:
        print(f"{failures} results over the tolerance {GPU_TOLERANCE:g}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
