#!/usr/bin/env python3
"""Per-kernel resource report from ptxas, for review and for lit tests.

  ptxas-report.py INPUT... [--chip sm_87] [--ptxas PATH] [--dump-dir DIR]
                           [--no-spills] [--max-registers N]

INPUT is an MLIR file whose gpu.binary objects hold PTX text (the output of
`uniform-opt --uniform-gpu-pipeline=format=isa`), or a .ptx file. Every PTX
module is assembled with `ptxas -arch=CHIP -O3 -v`; the report prints one line
per kernel: registers, static shared memory, spill stores and loads (bytes),
stack frame, and the tensor-core and async-copy instructions in its PTX
(mma.sync, ldmatrix, cp.async). It ends with whether every kernel fits the
chip's limits (255 registers per thread, 48 KiB static shared memory per
block) and, with --max-registers N, how many kernels use more than N
registers (a budget tighter than the chip's, such as 128 for two or more
blocks per SM). Exit status: 1 when ptxas rejects a module, when a limit or
the budget is exceeded, or with --no-spills when any kernel spills; 2 on bad
usage or input.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

MAX_REGISTERS = 255
MAX_STATIC_SMEM = 48 * 1024

_ESCAPE = re.compile(r'\\(\\|"|[0-9A-Fa-f]{2})')
_ASSEMBLY = re.compile(r'assembly\s*=\s*"((?:[^"\\]|\\.)*)"')
_BINARY = re.compile(r'gpu\.binary\s+@([\w$.-]+)')


def unescape(text):
    def sub(m):
        g = m.group(1)
        return g if g in ('\\', '"') else chr(int(g, 16))
    return _ESCAPE.sub(sub, text)


def ptx_modules(path):
    """Yields (label, ptx text) for every PTX module in `path`."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if path.endswith(".ptx"):
        yield os.path.basename(path), text
        return
    # Pair each gpu.binary with the PTX objects that follow it.
    binaries = [(m.start(), m.group(1)) for m in _BINARY.finditer(text)]
    for m in _ASSEMBLY.finditer(text):
        owner = [name for start, name in binaries if start < m.start()]
        yield (owner[-1] if owner else os.path.basename(path)), unescape(m.group(1))


def instruction_counts(ptx):
    """Counts tensor-core and async-copy instructions per .entry."""
    counts = {}
    parts = re.split(r'\.entry\s+([\w$]+)\s*\(', ptx)
    for name, body in zip(parts[1::2], parts[2::2]):
        counts[name] = {
            "mma": len(re.findall(r'\bmma\.sync\b', body)),
            "ldmatrix": len(re.findall(r'\bldmatrix\b', body)),
            "cp.async": len(re.findall(r'\bcp\.async\b', body)),
        }
    return counts


def run_ptxas(ptxas, chip, ptx, keep=None):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "kernel.ptx")
        with open(src, "w") as f:
            f.write(ptx)
        if keep:
            shutil.copy(src, keep)
        proc = subprocess.run(
            [ptxas, f"-arch={chip}", "-O3", "-v", src, "-o",
             os.path.join(tmp, "kernel.cubin")],
            capture_output=True, text=True)
    return proc.returncode, proc.stdout + proc.stderr


def parse_ptxas(log):
    """Returns {kernel: {regs, smem, spill_st, spill_ld, stack}}."""
    kernels = {}
    current = None
    for line in log.splitlines():
        m = re.search(r"(?:Compiling entry function|Function properties for) '?([\w$]+)'?", line)
        if m:
            current = kernels.setdefault(m.group(1), {
                "regs": 0, "smem": 0, "spill_st": 0, "spill_ld": 0, "stack": 0})
            continue
        if current is None:
            continue
        m = re.search(r"(\d+) bytes stack frame, (\d+) bytes spill stores, "
                      r"(\d+) bytes spill loads", line)
        if m:
            current["stack"], current["spill_st"], current["spill_ld"] = map(
                int, m.groups())
        m = re.search(r"Used (\d+) registers", line)
        if m:
            current["regs"] = int(m.group(1))
        m = re.search(r"(\d+) bytes smem", line)
        if m:
            current["smem"] = int(m.group(1))
    return kernels


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("inputs", nargs="+")
    p.add_argument("--chip", default="sm_87")
    p.add_argument("--ptxas", default=None,
                   help="ptxas binary (default: from PATH, then "
                        "/usr/local/cuda/bin)")
    p.add_argument("--dump-dir", help="also write each PTX module here")
    p.add_argument("--max-registers", type=int, default=None,
                   help="fail when a kernel uses more registers than this")
    p.add_argument("--no-spills", action="store_true",
                   help="fail when any kernel spills")
    a = p.parse_args()

    if a.max_registers is not None and a.max_registers < 1:
        print("error: --max-registers must be positive", file=sys.stderr)
        return 2
    ptxas = a.ptxas or shutil.which("ptxas") or "/usr/local/cuda/bin/ptxas"
    if not os.access(ptxas, os.X_OK):
        print(f"error: ptxas not found ({ptxas}); install the CUDA toolkit or "
              "pass --ptxas", file=sys.stderr)
        return 2

    rows = []
    failed = False
    found = False
    for path in a.inputs:
        if not os.path.exists(path):
            print(f"error: {path}: no such file", file=sys.stderr)
            return 2
        for index, (label, ptx) in enumerate(ptx_modules(path)):
            found = True
            keep = None
            if a.dump_dir:
                os.makedirs(a.dump_dir, exist_ok=True)
                keep = os.path.join(a.dump_dir, f"{label}.{index}.ptx")
            rc, log = run_ptxas(ptxas, a.chip, ptx, keep)
            if rc != 0:
                print(f"error: ptxas rejected {label}:\n{log}", file=sys.stderr)
                failed = True
                continue
            counts = instruction_counts(ptx)
            for kernel, info in parse_ptxas(log).items():
                info.update(counts.get(kernel, {"mma": 0, "ldmatrix": 0,
                                                "cp.async": 0}))
                rows.append((label, kernel, info))
    if not found:
        print("error: no PTX found; compile with "
              "--uniform-gpu-pipeline=format=isa", file=sys.stderr)
        return 2

    header = ("binary", "kernel", "regs", "smem", "spill-st", "spill-ld",
              "stack", "mma.sync", "ldmatrix", "cp.async")
    table = [header] + [
        (label, kernel, str(i["regs"]), str(i["smem"]), str(i["spill_st"]),
         str(i["spill_ld"]), str(i["stack"]), str(i["mma"]),
         str(i["ldmatrix"]), str(i["cp.async"])) for label, kernel, i in rows]
    widths = [max(len(r[c]) for r in table) for c in range(len(header))]
    for r in table:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())

    over = [(l, k) for l, k, i in rows
            if i["regs"] > MAX_REGISTERS or i["smem"] > MAX_STATIC_SMEM]
    spills = [(l, k) for l, k, i in rows if i["spill_st"] or i["spill_ld"]]
    summary = (f"kernels: {len(rows)}, spilling: {len(spills)}, over {a.chip} "
               f"limits: {len(over)}")
    over_budget = []
    if a.max_registers is not None:
        over_budget = [(l, k) for l, k, i in rows
                       if i["regs"] > a.max_registers]
        summary += f", over {a.max_registers} registers: {len(over_budget)}"
    print(summary)
    if failed or over or over_budget or (a.no_spills and spills):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
