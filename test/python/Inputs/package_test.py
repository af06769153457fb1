"""The Python package on reuse.mlir (two entry points: `forward`, static
f32, and `dynamic`, dynamic batch in f16 with two results). Usage:

  package_test.py REUSE.mlir LOWERED.mlir WORKDIR

Prints one line per check for FileCheck; results are compared with Reuse
Attention written here from its definition, not with another run of ours.
"""

import os
import sys

import numpy as np

import uniform


def reuse_attention(q, k, v, scale):
    """out[b, h] = softmax(scale * q[b] k[b]^T) v[b, h], in float64."""
    s = scale * np.einsum("bnd,bmd->bnm", q.astype(np.float64),
                          k.astype(np.float64))
    a = np.exp(s - s.max(-1, keepdims=True))
    a /= a.sum(-1, keepdims=True)
    return np.einsum("bnm,bhmd->bhnd", a, v.astype(np.float64))


def error(fn):
    try:
        fn()
    except uniform.UniformError as e:
        return str(e)
    return "no error"


def main():
    source, lowered, work = sys.argv[1:4]
    print("version:", uniform.__version__, "llvm", uniform.llvm_version)
    rng = np.random.default_rng(0)
    q = rng.standard_normal((2, 5, 3)).astype(np.float32)
    k = rng.standard_normal((2, 7, 3)).astype(np.float32)
    v = rng.standard_normal((2, 4, 7, 6)).astype(np.float32)
    ref = reuse_attention(q, k, v, 0.5)

    model = uniform.compile(source)
    for entry in model.entry_points:
        print("entry:", entry.name, entry.inputs, entry.results)
    print("build info:", model.build_info)
    out = model(q, k, v, entry="forward")
    print("forward:", out.dtype, out.shape,
          "max error", "ok" if np.abs(out - ref).max() < 1e-5 else "BAD")

    # Dynamic batch in f16, two results: the attention and v itself.
    q16 = rng.standard_normal((3, 5, 3)).astype(np.float16)
    v16 = rng.standard_normal((3, 1, 5, 2)).astype(np.float16)
    a, b = model(q16, v16, entry="dynamic")
    ref16 = reuse_attention(q16, q16, v16, 0.5)
    print("dynamic:", a.dtype, a.shape, b.shape,
          "ok" if np.abs(a - ref16).max() < 1e-2 and (b == v16).all()
          else "BAD")

    # Inputs are checked, never converted.
    print("shape:", error(lambda: model(q, q, v, entry="forward")))
    print("dtype:", error(lambda: model(q.astype(np.float64), k, v,
                                        entry="forward")))
    print("count:", error(lambda: model(q, k, entry="forward")))
    print("choose:", error(lambda: model(q, k, v)))
    print("entry:", error(lambda: model(q, k, v, entry="backward")))
    # Strided views are passed as C-order copies.
    wide = np.zeros((2, 7, 6), np.float32)
    wide[:, :, ::2] = k
    print("strided:", "ok" if np.abs(
        model(q, wide[:, :, ::2], v, entry="forward") - ref).max() < 1e-5
        else "BAD")

    uniform.keep_freed_memory()
    stats = model.benchmark(q, k, v, entry="forward", runs=7, warmup=2)
    print("benchmark:", sorted(stats), stats["runs"], stats["warmup"],
          stats["min_ms"] <= stats["median_ms"] <= stats["max_ms"])

    # save and load: into a directory, or under the library's own name.
    saved = model.save(work)
    print("saved:", os.path.basename(saved),
          os.path.exists(os.path.join(work, "libreuse.h")))
    again = uniform.load(saved)
    print("loaded:", "ok" if (again(q, k, v, entry="forward") == out).all()
          else "BAD")
    print("rename:", error(lambda: model.save(os.path.join(work, "libx.so"))))

    # A module lowered by uniform-cpu-pipeline runs through the JIT.
    jit = uniform.load(lowered)
    print("lowered:", "ok" if np.abs(jit(q, k, v, entry="forward") - out).max()
          < 1e-6 else "BAD", repr(jit.build_info))
    # Its second entry comes from the same compiled (or cached) object.
    a2, b2 = jit(q16, v16, entry="dynamic")
    print("lowered dynamic:", "ok" if (a2 == a).all() and (b2 == b).all()
          else "BAD")

    # Models as bytes, named by `name`; errors keep their locations.
    with open(source, "rb") as f:
        text = f.read()
    named = uniform.compile(text, name="attention")
    print("bytes:", os.path.basename(named.path),
          "ok" if (named(q, k, v, entry="forward") == out).all() else "BAD")
    print("malformed:", error(lambda: uniform.compile(b"func.func @f(")))
    print("missing:", error(lambda: uniform.load(
        os.path.join(work, "missing.mlir"))))
    print("target:", error(lambda: uniform.compile(source, target="tpu")))
    print("name:", error(lambda: uniform.compile(source, name="a-b")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
