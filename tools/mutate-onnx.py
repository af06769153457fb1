#!/usr/bin/env python3
"""Mutation smoke test of the ONNX importer: random byte flips, deletions and
insertions in seed models, each fed to `uniform-translate --import-onnx`.
Every run must end with status 0 (imported) or 1 (a diagnostic); anything
else (a signal, an abort, a sanitizer report) is a crash, and the input is
kept as crashN.onnx in --out.

  mutate-onnx.py SEED.onnx... [--tool PATH] [--runs N] [--seed S] [--out DIR]

This is not coverage-guided fuzzing (issue #9 asks for libFuzzer targets);
it is a cheap, reproducible check that lit runs on a few dozen inputs.
Point --tool at build-sanitize/bin/uniform-translate to run it under ASan
and UBSan.
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("seeds", nargs="+")
    p.add_argument("--tool", default=os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        "build", "bin", "uniform-translate"))
    p.add_argument("--runs", type=int, default=150, help="mutations per seed")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=".")
    a = p.parse_args()
    rng = random.Random(a.seed)
    runs = crashes = imported = 0
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "m.onnx")
        for seed in a.seeds:
            data = open(seed, "rb").read()
            for _ in range(a.runs):
                b = bytearray(data)
                for _ in range(rng.randint(1, 8)):
                    pos = rng.randrange(len(b))
                    op = rng.random()
                    if op < 0.5:
                        b[pos] = rng.randrange(256)
                    elif op < 0.75:
                        del b[pos:pos + rng.randint(1, 16)]
                    else:
                        b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
                with open(model, "wb") as f:
                    f.write(b)
                r = subprocess.run([a.tool, "--import-onnx", model, "-o",
                                    os.path.join(tmp, "out.mlir")],
                                   capture_output=True, timeout=120)
                runs += 1
                imported += r.returncode == 0
                if r.returncode not in (0, 1):
                    crashes += 1
                    keep = os.path.join(a.out, f"crash{crashes}.onnx")
                    with open(keep, "wb") as f:
                        f.write(b)
                    print(f"crash (status {r.returncode}), kept as {keep}:\n"
                          + r.stderr[-600:].decode("utf-8", "replace"))
    print(f"{runs} runs, {imported} imported, {runs - imported - crashes} "
          f"rejected with a diagnostic, {crashes} crashes")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
