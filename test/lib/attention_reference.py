#!/usr/bin/env python3
"""NumPy reference for attn.mha / attn.reuse, used by the integration tests.

  gen SPEC OUTDIR   writes random inputs q.npy, k.npy, v.npy (and b.npy) and
                    the reference output ref.npy for SPEC, and prints the
                    attention op to compile
  cmp A.npy B.npy TOL
                    compares two arrays, prints the max abs error, fails above
                    TOL

SPEC is "kind=reuse,B=2,H=4,N=49,M=49,Dk=16,Dv=32,bias=NM,dtype=f32,seed=0"
(bias: none, NM, BNM, HNM, BHNM, M, 1; kind: reuse or mha), optionally with
scale=S (default Dk^-0.5), amp=A (q and k drawn with standard deviation A:
logits A^2 times larger, to test softmax's stability) and dynamic=1 (the
batch dimension is dynamic, ?, in the function's types).
"""
import sys

import numpy as np


def parse(spec):
    d = dict(kv.split("=") for kv in spec.split(","))
    for key in ("B", "H", "N", "M", "Dk", "Dv", "seed"):
        d[key] = int(d.get(key, 0 if key == "seed" else 1))
    d.setdefault("kind", "reuse")
    d.setdefault("bias", "none")
    d.setdefault("dtype", "f32")
    # The op carries an f32 scale: the reference uses the same rounded value.
    d["scale"] = float(np.float32(float(d.get("scale", d["Dk"] ** -0.5))))
    d["amp"] = float(d.get("amp", 1))
    d["dynamic"] = int(d.get("dynamic", 0))
    return d


def bias_shape(d):
    kind = d["kind"]
    B, H, N, M = d["B"], d["H"], d["N"], d["M"]
    shapes = {"NM": (N, M), "BNM": (B, N, M), "M": (M,), "1": (1, 1)}
    if kind == "mha":
        shapes.update({"HNM": (H, N, M), "BHNM": (B, H, N, M), "BNM": (B, 1, N, M)})
    return shapes[d["bias"]]


def softmax(x, axis):
    x = x - x.max(axis=axis, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


def reference(d, q, k, v, b):
    q, k, v = (a.astype(np.float64) for a in (q, k, v))
    if d["kind"] == "reuse":
        s = d["scale"] * np.einsum("bnk,bmk->bnm", q, k)
        if b is not None:
            s = s + b.astype(np.float64)
        p = softmax(s, -1)
        return np.einsum("bnm,bhmd->bhnd", p, v)
    s = d["scale"] * np.einsum("bhnk,bhmk->bhnm", q, k)
    if b is not None:
        s = s + b.astype(np.float64)
    return np.einsum("bhnm,bhmd->bhnd", softmax(s, -1), v)


def gen(spec, outdir, out=sys.stdout):
    d = parse(spec)
    rng = np.random.default_rng(d["seed"])
    np_dtype = {"f32": np.float32, "f16": np.float16}[d["dtype"]]
    B, H, N, M, Dk, Dv = (d[x] for x in ("B", "H", "N", "M", "Dk", "Dv"))
    if d["kind"] == "reuse":
        qs, ks = (B, N, Dk), (B, M, Dk)
    else:
        qs, ks = (B, H, N, Dk), (B, H, M, Dk)
    q = (d["amp"] * rng.standard_normal(qs)).astype(np_dtype)
    k = (d["amp"] * rng.standard_normal(ks)).astype(np_dtype)
    v = rng.standard_normal((B, H, M, Dv)).astype(np_dtype)
    b = None
    if d["bias"] != "none":
        b = rng.standard_normal(bias_shape(d)).astype(np_dtype)
    for name, arr in (("q", q), ("k", k), ("v", v), ("b", b)):
        if arr is not None:
            np.save(f"{outdir}/{name}.npy", arr)
    np.save(f"{outdir}/ref.npy", reference(d, q, k, v, b).astype(np.float32))

    t = d["dtype"]

    def ty(shape, batched=True):
        dims = [str(s) for s in shape]
        if d["dynamic"] and batched and dims:
            dims[0] = "?"
        return "tensor<" + "x".join(dims) + ("x" if shape else "") + t + ">"

    args = [f"%q: {ty(qs)}", f"%k: {ty(ks)}", f"%v: {ty((B, H, M, Dv))}"]
    bias = ""
    if b is not None:
        # Only the bias forms with a batch dimension are batched.
        batched = d["bias"] in ("BNM", "BHNM")
        args.append(f"%b: {ty(b.shape, batched)}")
        bias = f" bias(%b : {ty(b.shape, batched)})"
    res = ty((B, H, N, Dv))
    print(f"func.func @forward({', '.join(args)}) -> {res} {{", file=out)
    print(f"  %0 = attn.{d['kind']} %q, %k, %v{bias} scale({d['scale']!r})"
          f" : {ty(qs)}, {ty(ks)}, {ty((B, H, M, Dv))} -> {res}", file=out)
    print(f"  return %0 : {res}", file=out)
    print("}", file=out)


def cmp(a, b, tol):
    x = np.load(a).astype(np.float64)
    y = np.load(b).astype(np.float64)
    if x.shape != y.shape:
        print(f"shape mismatch: {x.shape} vs {y.shape}")
        return 1
    err = float(np.max(np.abs(x - y))) if x.size else 0.0
    print(f"max abs error {err:.3g} (tolerance {tol})")
    return 0 if err <= float(tol) else 1


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "cmp":
        sys.exit(cmp(sys.argv[2], sys.argv[3], sys.argv[4]))
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
