#!/usr/bin/env python3
"""Exports an example model once per lit run, for every test that needs it.

  shared_export.py MODEL

writes $UNIFORM_SHARED_MODELS/MODEL/{m.onnx,in0.npy,ref.npy} with
examples/uniform/export.py (opset 17, fixed seeds, PyTorch's output as the
reference) unless an earlier test of this lit run already did. Concurrent
tests wait on a lock, so each model is exported by one of them. lit sets
UNIFORM_SHARED_MODELS to a directory it empties when it starts.
"""
import fcntl
import os
import subprocess
import sys

EXPORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                      "examples", "uniform", "export.py")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    model = sys.argv[1]
    root = os.environ.get("UNIFORM_SHARED_MODELS")
    if not root:
        sys.exit("shared_export.py: UNIFORM_SHARED_MODELS is not set")
    directory = os.path.join(root, model)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = os.path.join(directory, ".done")
        if os.path.exists(done):
            return 0
        env = dict(os.environ, OMP_NUM_THREADS="1")
        subprocess.run([sys.executable, EXPORT, model,
                        os.path.join(directory, "m.onnx"),
                        "--check", directory], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        open(done, "w").close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
