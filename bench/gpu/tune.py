#!/usr/bin/env python3
"""Tile shapes of the fused attention kernel, swept per shape class.

  /usr/bin/python3 bench/gpu/tune.py [--build-dir build]
      [--shapes window-4x4,window-7x7,...] [--dtype f32|f16]
      [--device cuda-emulator|cuda] [--max-registers 128] [--json FILE]
      [--work-dir DIR]
  /usr/bin/python3 bench/gpu/tune.py --prepare DIR [--shapes ...] [--dtype f16]
  python3 bench/gpu/tune.py --prebuilt DIR [--budget SECONDS]

A benchmark, not a test. For each attention shape below and each candidate
of its class (window: M fits one key step; stream: the online softmax over
key steps), it compiles the shape with `uniform-gpu-pipeline
attention-tiles={...}` (uniform::FusedAttentionTiles), assembles it with
ptxas for sm_87 (registers, spills, shared memory), runs it, checks the
result against float64 NumPy (2e-2), and scores it:

  * --device cuda (a GPU): the median of `uniform-run --benchmark`;
  * --device cuda-emulator (the default, no GPU): an estimate for Jetson
    AGX Orin from the emulator's counters (`uniform-run --profile`) and the
    model below. It is not a measurement: it ranks candidates by the work
    and traffic they cause, and by how much of the GPU their grid can use.

A GPU machine without LLVM 22 (a Jetson on JetPack, a cloud GPU) cannot
compile: --prepare DIR builds here, for every candidate that ptxas accepts,
a CUDA library (`uniform-compile --target=cuda --attention-tiles=...`) with
the shape's inputs and reference, and --prebuilt DIR times them there with
NumPy alone (test/lib/call_library.py: the median of calls for --budget
seconds each, a call's launch and synchronization included), checks each
result, and chooses per class as below, into DIR/tune.json.

Candidates over the register budget (--max-registers, 128: two or more
blocks of 128 threads per SM), spilling, not fused (no mma.sync) or wrong
are rejected. Per shape it prints every candidate, the best marked `*`;
per class the candidate with the lowest geometric mean of score / best
score over the class's shapes, as an `attention-tiles=` value. --json
writes everything (default build/bench/gpu/tune.json).

The estimate (seconds), per kernel, with the grid's blocks spread over the
SMs they can occupy (active = min(SMs, blocks)):
  issue  = IR instructions / 32 / (active * 4 warp instructions per clock)
  tensor = mma.sync * 2048 FMA / (active * 1024 FMA per clock)
  dram   = the shape's distinct bytes (Q, K, V, bias, output) / 204.8 GB/s
  l2     = global bytes requested / (active * 64 bytes per clock)
  time   = max(issue, tensor, dram, l2) * max(1, 8 / resident warps per SM)
with sm_87 at 16 SMs and 1.3 GHz (Jetson AGX Orin 64 GB, MAXN), 64K
registers, 164 KiB of shared memory, 48 warps and 16 blocks per SM; blocks
re-reading K and V are assumed to hit the 4 MiB L2; the last factor charges
for too few warps to hide latency. The tensor and L2 rates are assumptions
(Ampere-class figures), and IR instructions stand for SASS instructions (see
docs/gpu.md's profile columns).
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON = "/usr/bin/python3"  # Debian's, with NumPy
REFERENCE = os.path.join(ROOT, "test", "lib", "attention_reference.py")
PTXAS_REPORT = os.path.join(ROOT, "tools", "ptxas-report.py")

# Shapes of UniForm and ViT attention, batch cut to keep emulation short.
SHAPES = {
    # UniForm's 4x4 and 7x7 windows (m0's layers; m5's stage 2, Dk 72).
    "window-4x4": "kind=reuse,B=64,H=4,N=16,M=16,Dk=16,Dv=32,bias=NM",
    "window-7x7": "kind=reuse,B=16,H=4,N=49,M=49,Dk=16,Dv=32,bias=NM",
    "window-7x7-dk72": "kind=reuse,B=8,H=3,N=49,M=49,Dk=72,Dv=96,bias=NM",
    # Global attention at 14x14 (UniForm's last stage), a ViT block, and a
    # long sequence shared by 8 heads.
    "global-14x14": "kind=reuse,B=4,H=4,N=196,M=196,Dk=32,Dv=64,bias=NM",
    "vit-197": "kind=mha,B=1,H=12,N=197,M=197,Dk=64,Dv=64,bias=none",
    "long-1024": "kind=reuse,B=1,H=8,N=1024,M=1024,Dk=64,Dv=64,bias=none",
}
DEFAULT_SHAPES = "window-4x4,window-7x7,window-7x7-dk72,global-14x14,vit-197"

CANDIDATES = {
    "window": [f"window-warps={w},window-chunk={c}"
               for w in (1, 2, 4) for c in (32, 64, 128)],
    "stream": [f"stream-warps={w},stream-keys={k},stream-chunk={c},"
               f"stream-groups={g}"
               for w in (2, 4) for k in (16, 32, 64) for c in (64, 128)
               for g in (1, 16)],
}
WINDOW_KEYS = 64  # the default tiles' window-keys: M up to it is a window

# sm_87 (Jetson AGX Orin 64 GB at MAXN).
SMS, CLOCK_HZ, DRAM_BYTES_PER_S = 16, 1.3e9, 204.8e9
REGISTERS_PER_SM, SHARED_PER_SM = 65536, 164 * 1024
MAX_WARPS_PER_SM, MAX_BLOCKS_PER_SM = 48, 16
WARP_ISSUE_PER_CLOCK, TENSOR_FMA_PER_CLOCK = 4, 1024
L2_BYTES_PER_CLOCK = 64
LATENCY_WARPS = 8


def run(command, **kwargs):
    return subprocess.run(command, check=True, text=True,
                          capture_output=True, **kwargs)


def parse_spec(spec):
    return dict(item.split("=") for item in spec.split(","))


def shape_class(spec):
    return "window" if int(parse_spec(spec)["M"]) <= WINDOW_KEYS else "stream"


def warps_per_block(isa, kernel):
    """Warps of the fused kernel's blocks: its PTX's .maxntid (a stream's
    column groups may take more warps than stream-warps)."""
    with open(isa) as f:
        found = re.search(r"\.entry " + kernel + r"\b.*?\.maxntid (\d+)",
                          f.read(), re.DOTALL)
    if not found:
        raise RuntimeError("no .maxntid in " + isa)
    return int(found.group(1)) // 32


def ptxas(isa):
    """(name, registers, shared bytes, spilled, mma.sync) of the fused
    kernel: the one with the most mma.sync (f32 inputs also get a kernel
    that rounds them to f16, which has none)."""
    out = subprocess.run([PYTHON, PTXAS_REPORT, isa], text=True,
                         capture_output=True).stdout
    rows = [line.split() for line in out.splitlines()]
    rows = [f for f in rows if len(f) >= 10 and f[1].startswith("forward_kernel")
            and f[2].isdigit()]
    if not rows:
        raise RuntimeError("no forward_kernel in ptxas's report:\n" + out)
    f = max(rows, key=lambda f: int(f[7]))
    return (f[1], int(f[2]), int(f[3]), int(f[4]) + int(f[5]) > 0, int(f[7]))


def profile_row(text, kernel):
    """The emulator profile's row of `kernel` as a dict."""
    for line in text.splitlines():
        f = line.split()
        if f and f[0].split("#")[0] == kernel and len(f) >= 15:
            return {"threads": int(f[2]), "ir": int(f[3]), "mma": int(f[5]),
                    "cp.async": int(f[8]), "barriers": int(f[9]),
                    "global_mb": float(f[12]), "conflict": f[14]}
    raise RuntimeError(f"no {kernel} in the emulator's profile:\n" + text)


def distinct_bytes(spec):
    """Bytes of Q, K, V, the bias and the output of a reference spec."""
    f = parse_spec(spec)
    b, h, n, m = (int(f[x]) for x in ("B", "H", "N", "M"))
    dk, dv = int(f["Dk"]), int(f["Dv"])
    qk_heads = h if f["kind"] == "mha" else 1
    extents = {"B": b, "H": h, "N": n, "M": m}
    bias = 0 if f["bias"] == "none" else math.prod(
        extents.get(d, 1) for d in f["bias"])
    elements = (b * qk_heads * (n + m) * dk + b * h * m * dv
                + b * h * n * dv + bias)
    return elements * (2 if f.get("dtype") == "f16" else 4)


def estimate(spec, counts, registers, shared, warps):
    """Seconds on sm_87 by the model in the module docstring."""
    threads = 32 * warps
    blocks = counts["threads"] // threads
    resident = min(REGISTERS_PER_SM // max(registers * threads, 1),
                   SHARED_PER_SM // max(shared, 1),
                   MAX_WARPS_PER_SM // warps, MAX_BLOCKS_PER_SM)
    resident = max(1, min(resident, math.ceil(blocks / SMS)))
    active = min(SMS, blocks)
    issue = counts["ir"] / 32 / (active * WARP_ISSUE_PER_CLOCK) / CLOCK_HZ
    tensor = counts["mma"] * 2048 / (active * TENSOR_FMA_PER_CLOCK) / CLOCK_HZ
    dram = distinct_bytes(spec) / DRAM_BYTES_PER_S
    l2 = counts["global_mb"] * 1e6 / (active * L2_BYTES_PER_CLOCK) / CLOCK_HZ
    latency = max(1.0, LATENCY_WARPS / (resident * warps))
    return max(issue, tensor, dram, l2) * latency


def pipeline_option(tiles, args):
    """uniform-gpu-pipeline with the candidate's tiles and its kernels
    capped at the register budget (a candidate that needs more spills)."""
    return (f"--uniform-gpu-pipeline=attention-tiles={{{tiles}}} "
            f"max-registers={args.max_registers}")


def assemble(bin_dir, work, tiles, args):
    """The candidate's registers and shared memory from ptxas for sm_87,
    and why it is out (not fused, spilling, over the register budget), if
    it is."""
    row = {"tiles": tiles}
    case = os.path.join(work, "case.mlir")
    pipeline = pipeline_option(tiles, args)
    isa = os.path.join(work, "isa.mlir")
    run([os.path.join(bin_dir, "uniform-opt"), case,
         pipeline + " format=isa", "-o", isa])
    kernel, registers, shared, spilled, mma = ptxas(isa)
    row.update(kernel=kernel, registers=registers, shared=shared,
               warps=warps_per_block(isa, kernel))
    if mma == 0:
        return dict(row, rejected="not fused")
    if spilled:
        return dict(row, rejected="spills")
    if registers > args.max_registers:
        return dict(row, rejected=f"over {args.max_registers} registers")
    return row


def try_candidate(bin_dir, work, spec, tiles, args):
    """One row of the sweep: the candidate's numbers, or why it is out."""
    row = assemble(bin_dir, work, tiles, args)
    kernel = row.pop("kernel")
    if "rejected" in row:
        return row
    case = os.path.join(work, "case.mlir")
    pipeline = pipeline_option(tiles, args)
    isa = os.path.join(work, "isa.mlir")
    registers, shared = row["registers"], row["shared"]
    emulated = args.device == "cuda-emulator"
    module = os.path.join(work, "gpu.mlir")
    run([os.path.join(bin_dir, "uniform-opt"), case,
         pipeline + (" format=llvm" if emulated else ""), "-o", module])
    inputs = [a for name in ("q", "k", "v", "b")
              if os.path.exists(os.path.join(work, name + ".npy"))
              for a in ("--input", os.path.join(work, name + ".npy"))]
    out = os.path.join(work, "out.npy")
    command = [os.path.join(bin_dir, "uniform-run"), module,
               f"--device={args.device}", "--output", out] + inputs
    command += ["--profile"] if emulated else ["--benchmark", "50"]
    result = run(command).stdout
    check = subprocess.run([PYTHON, REFERENCE, "cmp", out,
                            os.path.join(work, "ref.npy"), "2e-2"],
                           text=True, capture_output=True)
    if check.returncode != 0:
        return dict(row, rejected="wrong result")
    if emulated:
        counts = profile_row(result, kernel)
        row.update(counts)
        row["score_us"] = 1e6 * estimate(spec, counts, registers, shared,
                                         row["warps"])
    else:
        median = re.search(r"median ([0-9.]+) ms", result)
        row["score_us"] = 1e3 * float(median.group(1))
    return row


def write_case(work, spec, dtype):
    """The shape's case.mlir, inputs and reference in `work`; returns its
    full spec."""
    os.makedirs(work, exist_ok=True)
    spec = f"{spec},dtype={dtype},seed=1"
    with open(os.path.join(work, "case.mlir"), "w") as f:
        f.write(run([PYTHON, REFERENCE, "gen", spec, work]).stdout)
    return spec


def each_candidate(spec, candidate):
    """`candidate(tiles)` for every candidate of the spec's class; one that
    fails to compile or run is a row rejected with the reason."""
    rows = []
    for tiles in CANDIDATES[shape_class(spec)]:
        try:
            rows.append(candidate(tiles))
        except (subprocess.CalledProcessError, RuntimeError) as e:
            detail = getattr(e, "stderr", None) or str(e)
            rows.append({"tiles": tiles,
                         "rejected": "failed: " + detail.strip()[:200]})
    return rows


def sweep(bin_dir, name, spec, args):
    work = os.path.join(args.work_dir, name)
    spec = write_case(work, spec, args.dtype)
    return each_candidate(
        spec, lambda tiles: try_candidate(bin_dir, work, spec, tiles, args))


def prepare(bin_dir, args):
    """--prepare DIR: per shape, its inputs and reference and a CUDA library
    (uniform-compile --attention-tiles) for every candidate that ptxas
    accepts, for --prebuilt on a GPU machine without MLIR."""
    manifest = {"dtype": args.dtype, "max_registers": args.max_registers,
                "shapes": {}}
    for name in args.shapes.split(","):
        work = os.path.join(args.prepare, name)
        spec = write_case(work, SHAPES[name], args.dtype)
        candidates = CANDIDATES[shape_class(spec)]

        def library(tiles):
            row = assemble(bin_dir, work, tiles, args)
            row.pop("kernel")
            if "rejected" not in row:
                lib = f"lib{name.replace('-', '_')}_{candidates.index(tiles)}.so"
                run([os.path.join(bin_dir, "uniform-compile"),
                     os.path.join(work, "case.mlir"), "-o",
                     os.path.join(work, lib), "--target=cuda",
                     f"--attention-tiles={tiles}"])
                row["library"] = lib
            return row

        rows = each_candidate(spec, library)
        if os.path.exists(os.path.join(work, "isa.mlir")):
            os.remove(os.path.join(work, "isa.mlir"))
        inputs = [x + ".npy" for x in "qkvb"
                  if os.path.exists(os.path.join(work, x + ".npy"))]
        manifest["shapes"][name] = {"spec": spec, "inputs": inputs,
                                    "candidates": rows}
        print(f"{name}: {sum('library' in r for r in rows)} libraries",
              flush=True)
    with open(os.path.join(args.prepare, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"wrote {args.prepare}/manifest.json")


def time_library(path, work, inputs, budget_s):
    """(median microseconds per call, max abs error against ref.npy) of a
    CUDA library on this machine's GPU (test/lib/call_library.py)."""
    import numpy as np
    sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
    import call_library
    lib = call_library.Library(path, device="cuda")
    args, keep = zip(*[lib.argument(i, np.load(os.path.join(work, x)))
                       for i, x in enumerate(inputs)])
    out = lib.fetch(lib.call(args)).astype(np.float64)
    err = float(np.abs(out - np.load(os.path.join(work, "ref.npy"))).max())
    first = lib.median_ms(args, 3)
    reps = max(10, min(500, int(budget_s * 1e3 / max(first, 1e-3))))
    median = lib.median_ms(args, reps)
    if lib.device == "cuda":
        for d in args:
            lib.lib.mgpuMemFree(d.allocated, lib.stream)
    del keep
    return 1e3 * median, err


def prebuilt(args):
    """--prebuilt DIR: times every prepared library on this GPU."""
    with open(os.path.join(args.prebuilt, "manifest.json")) as f:
        manifest = json.load(f)
    args.dtype = manifest["dtype"]
    print(f"tune: {args.prebuilt} on this GPU, {args.dtype}, median of "
          f"calls for {args.budget:g} s per candidate (each call launches "
          f"and synchronizes: small shapes are launch-bound)")
    results = {}
    for name, shape in manifest["shapes"].items():
        work = os.path.join(args.prebuilt, name)
        rows = shape["candidates"]
        for row in rows:
            if "library" not in row:
                continue
            us, err = time_library(os.path.join(work, row["library"]), work,
                                   shape["inputs"], args.budget)
            if not err <= 2e-2:
                row["rejected"] = f"wrong result ({err:.3g})"
            else:
                row["score_us"] = us
        results[name] = (shape["spec"], rows)
        print_sweep(name, shape["spec"], rows, "median us")
    return results


def rank(row):
    """Lower is better: the score, then (for equal estimates, such as two
    memory-bound candidates) the instructions executed."""
    return (round(row["score_us"], 3), row.get("ir", 0))


def print_sweep(name, spec, rows, unit):
    print(f"\n{name}: {spec}")
    print(f"  {'tiles':<48}{'regs':>6}{'smem':>8}{'IR instr':>12}"
          f"{'mma':>9}{'MB':>8}{unit:>10}")
    scored = [r for r in rows if "score_us" in r]
    best = min(scored, key=rank) if scored else None
    for r in rows:
        mark = "*" if r is best else " "
        if "score_us" not in r:
            print(f" {mark}{r['tiles']:<48}{r.get('registers', '-'):>6}"
                  f"{r.get('shared', '-'):>8}  {r['rejected']}")
            continue
        print(f" {mark}{r['tiles']:<48}{r['registers']:>6}{r['shared']:>8}"
              f"{r.get('ir', '-'):>12}{r.get('mma', '-'):>9}"
              f"{r.get('global_mb', '-'):>8}{r['score_us']:>10.1f}")


def choose(results):
    """Per class: the candidate with the lowest geometric mean of score /
    best score over the class's shapes (only candidates valid on all)."""
    choice = {}
    for cls in CANDIDATES:
        sweeps = [rows for name, (spec, rows) in results.items()
                  if shape_class(spec) == cls]
        if not sweeps:
            continue
        ratios = {}
        for rows in sweeps:
            scored = {r["tiles"]: r["score_us"] + 1e-9 * r.get("ir", 0)
                      for r in rows if "score_us" in r}
            if not scored:
                continue
            best = min(scored.values())
            for tiles in CANDIDATES[cls]:
                ratios.setdefault(tiles, []).append(
                    scored[tiles] / best if tiles in scored else math.inf)
        means = {t: math.exp(sum(map(math.log, r)) / len(r))
                 for t, r in ratios.items() if math.inf not in r}
        if means:
            tiles = min(means, key=means.get)
            choice[cls] = {"tiles": tiles, "geomean_vs_best": means[tiles]}
    return choice


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--shapes", default=DEFAULT_SHAPES,
                        help="comma-separated, from: " + ", ".join(SHAPES))
    parser.add_argument("--dtype", choices=("f32", "f16"), default="f32")
    parser.add_argument("--device", choices=("cuda-emulator", "cuda"),
                        default="cuda-emulator")
    parser.add_argument("--max-registers", type=int, default=128)
    parser.add_argument("--json")
    parser.add_argument("--work-dir",
                        help="the shapes' files (default "
                        "BUILD/bench/gpu/tune)")
    parser.add_argument("--prepare", metavar="DIR",
                        help="build a CUDA library per candidate into DIR "
                        "(here), for --prebuilt on a GPU without MLIR")
    parser.add_argument("--prebuilt", metavar="DIR",
                        help="time the libraries of --prepare DIR on this "
                        "GPU (NumPy only)")
    parser.add_argument("--budget", type=float, default=1.0,
                        help="--prebuilt: seconds of timed calls per "
                        "candidate")
    args = parser.parse_args()
    args.work_dir = args.work_dir or os.path.join(args.build_dir, "bench",
                                                  "gpu", "tune")
    unknown = [s for s in args.shapes.split(",") if s not in SHAPES]
    if unknown:
        parser.error(f"unknown shapes {unknown}; known: {', '.join(SHAPES)}")
    bin_dir = os.path.join(args.build_dir, "bin")
    if args.prepare:
        return prepare(bin_dir, args)
    if args.prebuilt:
        results = prebuilt(args)
        report(results, args, os.path.join(args.prebuilt, "tune.json"), "cuda")
        return 0
    unit = "est us" if args.device == "cuda-emulator" else "median us"
    print(f"tune: {args.device}, {args.dtype}, register budget "
          f"{args.max_registers}" + (" (scores are estimates for sm_87 from "
          "the emulator's counters, not measurements)"
          if args.device == "cuda-emulator" else ""))
    results = {}
    for name in args.shapes.split(","):
        rows = sweep(bin_dir, name, SHAPES[name], args)
        results[name] = (SHAPES[name], rows)
        print_sweep(name, SHAPES[name], rows, unit)
    report(results, args, args.json or os.path.join(
        args.build_dir, "bench", "gpu", "tune.json"), args.device)
    return 0


def report(results, args, path, device):
    """Prints each class's choice and writes everything to `path`."""
    choice = choose(results)
    print()
    for cls, picked in choice.items():
        print(f"{cls}: attention-tiles={{{picked['tiles']}}} "
              f"(geometric mean {picked['geomean_vs_best']:.3f} x the best "
              f"per shape)")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"device": device, "dtype": args.dtype,
                   "max_registers": args.max_registers,
                   "shapes": {n: {"spec": s, "candidates": r}
                              for n, (s, r) in results.items()},
                   "choice": choice}, f, indent=1)
    print(f"wrote {path}")


if __name__ == "__main__":
    sys.exit(main())
