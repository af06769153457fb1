#!/usr/bin/env python3
"""The device check for a GPU machine without MLIR: libraries are built here
and run there.

  /usr/bin/python3 bench/gpu/prebuilt.py prepare DIR [--quick] [--models m0,...]
      [--no-timing] [--iree BIN]
  python3 bench/gpu/prebuilt.py run DIR [--budget SECONDS]

`prepare` (on a development machine: the build, no GPU) compiles with
`uniform-compile --target=cuda --chip=sm_87` every attention case of
bench/gpu/grid.txt and every model named (default: UniForm-m0 and the layer
and block exports), with their inputs and references (float64 NumPy for the
attention cases, PyTorch for the models), the timing libraries of
bench/gpu/build-libs.py, and DIR/manifest.json. Copy DIR to the GPU machine
(an Orin: --host-triple=aarch64-linux-gnu; a data-center GPU JIT-compiles
the sm_87 PTX).

`run` (on the GPU machine: NumPy, and PyTorch for the timings) does what
device-check.sh does with the build, from DIR alone: prints the device;
runs every library through test/lib/call_library.py --device cuda (a process
each) against its reference; runs compute-sanitizer's racecheck and memcheck
on two attention cases; times each model against PyTorch eager on the same
GPU (float32 and float16), with per-kernel CUDA-event times for the first
model; and runs bench/gpu/run.py on the timing libraries. It ends with
"device-check: N passed, M failed" and exits non-zero on a failure.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CALL = os.path.join(ROOT, "test", "lib", "call_library.py")
GPU_TOLERANCE = 2e-2
DEFAULT_MODELS = "m0,layer-global,layer-window,vit-block,efficientvit-block"


def grid(quick):
    with open(os.path.join(HERE, "grid.txt")) as f:
        specs = [line.strip() for line in f
                 if line.strip() and not line.startswith("#")]
    return specs[:3] if quick else specs


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def prepare(a):
    out = os.path.abspath(a.dir)
    os.makedirs(out, exist_ok=True)
    tool = os.path.join(a.bin, "uniform-compile")
    cuda = ["--target=cuda", f"--chip={a.chip}"]
    cases = []
    for i, spec in enumerate(grid(a.quick)):
        name = f"grid{i}"
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "case.mlir"), "w") as f:
            run([sys.executable, os.path.join(ROOT, "test/lib/attention_reference.py"),
                 "gen", spec, d], stdout=f)
        run([tool, os.path.join(d, "case.mlir"), "-o", os.path.join(d, f"lib{name}.so"), *cuda])
        inputs = [f"{name}/{x}.npy" for x in "qkvb" if os.path.exists(os.path.join(d, f"{x}.npy"))]
        cases.append({"name": f"grid {spec}", "library": f"{name}/lib{name}.so",
                      "inputs": inputs, "ref": f"{name}/ref.npy", "tol": GPU_TOLERANCE})
        print(f"built {name}: {spec}", flush=True)
    models = a.models if a.models is not None else "m0" if a.quick else DEFAULT_MODELS
    models = [m for m in models.split(",") if m]
    for model in models:
        stem = model.replace("-", "_")
        d = os.path.join(out, stem)
        os.makedirs(d, exist_ok=True)
        run([sys.executable, os.path.join(ROOT, "examples/uniform/export.py"), model,
             os.path.join(d, f"{stem}.onnx"), "--check", d], stdout=subprocess.DEVNULL,
            env=dict(os.environ, OMP_NUM_THREADS="1"))
        onnx = os.path.join(d, f"{stem}.onnx")
        run([tool, onnx, "-o", os.path.join(d, f"lib{stem}.so"), *cuda])
        if a.iree:
            iree_compile(a.iree, onnx, os.path.join(d, "iree-cuda.vmfb"), a.chip)
        os.remove(onnx)
        cases.append({"name": f"model {model}", "model": model,
                      "library": f"{stem}/lib{stem}.so", "inputs": [f"{stem}/in0.npy"],
                      "ref": f"{stem}/ref.npy", "tol": GPU_TOLERANCE, "relative": True})
        print(f"built {model}", flush=True)
    if a.timing:
        bench = [sys.executable, os.path.join(HERE, "build-libs.py"), "--build",
                 os.path.dirname(os.path.abspath(a.bin)), "--out", os.path.join(out, "bench"),
                 f"--chip={a.chip}"]
        run(bench + (["--quick"] if a.quick else []), stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"chip": a.chip, "cases": cases}, f, indent=1)
    print(f"wrote {out}/manifest.json ({len(cases)} cases)")
    return 0


def iree_compile(bin_dir, onnx, vmfb, chip):
    """IREE's compile of the same ONNX file for the same chip, to run beside
    ours (its runtime is carried to the GPU machine as a wheel)."""
    imported = vmfb + ".mlir"
    run([os.path.join(bin_dir, "iree-import-onnx"), onnx, "-o", imported])
    run([os.path.join(bin_dir, "iree-compile"), imported, "--iree-hal-target-device=cuda",
         f"--iree-cuda-target={chip}", "-o", vmfb])
    os.remove(imported)


class Tally:
    def __init__(self):
        self.passed = self.failed = 0

    def result(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"{'PASS' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)


def call(lib, inputs, output, *extra, prefix=(), timeout=600):
    cmd = [*prefix, sys.executable, CALL, lib, "--device", "cuda", "--output", output]
    for x in inputs:
        cmd += ["--input", x]
    return subprocess.run(cmd + list(extra), capture_output=True, text=True, timeout=timeout)


def error(got, ref, relative):
    import numpy as np
    x, y = np.load(got).astype(np.float64), np.load(ref).astype(np.float64)
    if x.shape != y.shape:
        return float("inf"), f"shape {x.shape} != {y.shape}"
    err = float(np.abs(x - y).max()) if x.size else 0.0
    if np.isnan(x).any():
        err = float("inf")
    scale = float(np.abs(y).max()) if relative else 1.0
    return err / (scale or 1.0), ""


def check_outputs(dir, cases, tally):
    print("\n== 3. every library against its reference (test/lib/call_library.py --device cuda)")
    for c in cases:
        got = os.path.join(dir, c["library"] + ".out.npy")
        r = call(os.path.join(dir, c["library"]), [os.path.join(dir, x) for x in c["inputs"]], got)
        if r.returncode:
            tally.result(c["name"], False, (r.stdout + r.stderr).strip()[-400:])
            continue
        err, why = error(got, os.path.join(dir, c["ref"]), c.get("relative"))
        what = "max abs error" + (" / max |ref|" if c.get("relative") else "")
        tally.result(c["name"], err <= c["tol"], why or f"{what} {err:.3g} (tolerance {c['tol']:g})")


def sanitize(dir, cases, tally):
    print("\n== 5. compute-sanitizer")
    tool = shutil.which("compute-sanitizer") or "/usr/local/cuda/bin/compute-sanitizer"
    if not os.path.exists(tool):
        print("(compute-sanitizer not found: skipped)")
        return
    grid_cases = [c for c in cases if c["name"].startswith("grid")]
    for c in grid_cases[:1] + grid_cases[4:5]:
        for check in ("racecheck", "memcheck"):
            got = os.path.join(dir, c["library"] + f".{check}.npy")
            r = call(os.path.join(dir, c["library"]), [os.path.join(dir, x) for x in c["inputs"]],
                     got, prefix=(tool, "--tool", check, "--error-exitcode", "3"))
            tail = " | ".join((r.stdout + r.stderr).strip().splitlines()[-2:])
            tally.result(f"compute-sanitizer {check} {c['name']}", r.returncode == 0, tail)


def time_models(dir, cases):
    print("\n== 6a. whole models: ours against PyTorch eager on this GPU (median ms per inference)")
    try:
        import torch
    except ImportError:
        print("(no PyTorch: skipped)")
        return
    if not torch.cuda.is_available():
        print("(PyTorch without CUDA: skipped)")
        return
    sys.path.insert(0, os.path.join(ROOT, "examples", "uniform"))
    import export
    import statistics
    import time
    models = [c for c in cases if "model" in c]
    for i, c in enumerate(models):
        reps = 50
        extra = ["--repeat", str(reps)] + (["--kernel-times"] if i == 0 else [])
        r = call(os.path.join(dir, c["library"]), [os.path.join(dir, x) for x in c["inputs"]],
                 os.path.join(dir, c["library"] + ".timed.npy"), *extra)
        lines = (r.stdout + r.stderr).strip().splitlines()
        ours = next((l.split()[1] for l in lines if l.startswith("median")), "?")
        if i == 0:
            print("\n".join(lines[1:40]))
        model, x = export.build(c["model"])
        model, x = model.cuda(), x.cuda()
        row = [f"{c['model']}: ours {ours} ms"]
        for dtype in (torch.float32, torch.float16):
            m, xi = model.to(dtype), x.to(dtype)
            with torch.no_grad():
                for _ in range(3):
                    m(xi)
                torch.cuda.synchronize()
                times = []
                for _ in range(reps):
                    t = time.perf_counter()
                    m(xi)
                    torch.cuda.synchronize()
                    times.append((time.perf_counter() - t) * 1e3)
            med = statistics.median(times)
            ratio = float(ours) / med if ours != "?" else float("nan")
            row.append(f"torch {str(dtype).split('.')[-1]} {med:.4g} ms (ours/torch {ratio:.2f})")
        vmfb = os.path.join(dir, os.path.dirname(c["library"]), "iree-cuda.vmfb")
        if os.path.exists(vmfb):
            row.append(iree_time(vmfb, os.path.join(dir, c["inputs"][0]),
                                 os.path.join(dir, c["ref"]), reps, ours))
        print("; ".join(row), flush=True)


def iree_time(vmfb, input, ref, reps, ours):
    """IREE's CUDA compile of the same model on this GPU: its median ms and
    its error against the reference (or why it did not run)."""
    import statistics
    import time
    import numpy as np
    try:
        import iree.runtime as rt
    except ImportError:
        return "IREE: no iree.runtime here"
    try:
        sys.path.insert(0, os.path.dirname(HERE))
        from peer_times import iree_entry
        config = rt.Config("cuda")
        entry = iree_entry(rt, config, vmfb)
        x = rt.asdevicearray(config.device, np.load(input))
        got = entry(x).to_host()
        refv = np.load(ref)
        err = float(np.abs(got - refv).max() / (np.abs(refv).max() or 1.0))
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            entry(x).to_host()
            times.append((time.perf_counter() - t) * 1e3)
        med = statistics.median(times)
        ratio = float(ours) / med if ours != "?" else float("nan")
        return f"IREE {med:.4g} ms (ours/IREE {ratio:.2f}; its error {err:.2g})"
    except Exception as e:  # a peer failing must not stop the check
        return f"IREE failed: {str(e).splitlines()[0][:200]}"


def device_info(dir, cases):
    print("== 1. device and driver")
    if shutil.which("nvidia-smi"):
        subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,compute_cap",
                        "--format=csv"])
    import ctypes
    lib = ctypes.CDLL(os.path.join(dir, cases[0]["library"]))
    name = os.path.basename(cases[0]["library"])[3:-3]
    info = getattr(lib, f"{name}_build_info")
    info.restype = ctypes.c_char_p
    print("library:", info().decode())
    why = ctypes.create_string_buffer(512)
    ok = lib.uniformCudaInit(why, 512)
    print("uniformCudaInit:", "ok" if ok else why.value.decode(), flush=True)
    return ok


def attention_timings(dir, budget, tally):
    print("\n== 6b. attention kernels against PyTorch (bench/gpu/run.py)")
    if not os.path.isdir(os.path.join(dir, "bench")):
        print("(prepared with --no-timing: skipped)")
        return
    r = subprocess.run([sys.executable, os.path.join(HERE, "run.py"), "--libs",
                        os.path.join(dir, "bench"), "--budget", str(budget)])
    tally.result("bench/gpu/run.py", r.returncode == 0)


def run_checks(a):
    dir = os.path.abspath(a.dir)
    with open(os.path.join(dir, "manifest.json")) as f:
        cases = json.load(f)["cases"]
    tally = Tally()
    if not device_info(dir, cases):
        tally.result("uniformCudaInit", False)
    else:
        check_outputs(dir, cases, tally)
        sanitize(dir, cases, tally)
        time_models(dir, cases)
        attention_timings(dir, a.budget, tally)
    print(f"\ndevice-check: {tally.passed} passed, {tally.failed} failed")
    return 0 if tally.failed == 0 else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    pp = sub.add_parser("prepare")
    pp.add_argument("dir")
    pp.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    pp.add_argument("--chip", default="sm_87")
    pp.add_argument("--models", default=None,
                    help=f"comma-separated (default {DEFAULT_MODELS}; m0 with "
                    "--quick; '' for none)")
    pp.add_argument("--no-timing", dest="timing", action="store_false",
                    help="without build-libs.py's timing libraries")
    pp.add_argument("--quick", action="store_true")
    pp.add_argument("--iree", default=None, metavar="BIN",
                    help="also compile each model with IREE (iree-compile and "
                         "iree-import-onnx in BIN, e.g. build/bench-venv/bin)")
    pr = sub.add_parser("run")
    pr.add_argument("dir")
    pr.add_argument("--budget", type=float, default=120.0,
                    help="seconds for bench/gpu/run.py's timings")
    a = p.parse_args()
    return prepare(a) if a.command == "prepare" else run_checks(a)


if __name__ == "__main__":
    sys.exit(main())
