#!/usr/bin/env python3
"""Contractions, convolutions and transposes in the forms models lower to,
written from their math as linalg on tensors, compiled by
uniform-cpu-pipeline (which register-tiles and vectorizes them) and run by
uniform-run against float64 NumPy.

  cpu_vector_cases.py --bin DIR --work DIR [--pipeline-options OPTS]

Prints one line per case, 'ok NAME: max abs error E' or 'FAIL NAME: ...',
then 'N passed, F failed'. Extents are chosen so that register tiles are
whole (16, 64, 96), prime (37, 53, 61: tiles of 1), or neither (49, 50).
"""
import argparse
import os
import subprocess
import sys

import numpy as np

MUL_ADD = """  ^bb0(%x: {e}, %y: {e}, %acc: f32):
    {ext}%p = arith.mulf {xv}, {yv} : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32"""


def dims(shape):
    return "x".join(str(d) for d in shape)


def tensor(shape, element="f32"):
    return f"tensor<{dims(shape)}x{element}>"


def generic(name, maps, iterators, a, b, c, element="f32", zero_init=True):
    """func @NAME(A, B[, C]) = generic contraction, with the init filled with
    zeros or given as the third argument."""
    loops = len(iterators)
    names = ", ".join(f"d{i}" for i in range(loops))
    affine = [f"affine_map<({names}) -> ({', '.join(m)})>" for m in maps]
    ext = ""
    xv, yv = "%x", "%y"
    if element != "f32":
        ext = ("%xf = arith.extf %x : f16 to f32\n    "
               "%yf = arith.extf %y : f16 to f32\n    ")
        xv, yv = "%xf", "%yf"
    args = f"%a: {tensor(a, element)}, %b: {tensor(b, element)}"
    if zero_init:
        init = (f"  %zero = arith.constant 0.0 : f32\n"
                f"  %empty = tensor.empty() : {tensor(c)}\n"
                f"  %init = linalg.fill ins(%zero : f32) outs(%empty : "
                f"{tensor(c)}) -> {tensor(c)}\n")
    else:
        args += f", %init: {tensor(c)}"
        init = ""
    its = ", ".join(f'"{i}"' for i in iterators)
    body = MUL_ADD.format(e=element, ext=ext, xv=xv, yv=yv)
    return (f"func.func @{name}({args}) -> {tensor(c)} {{\n{init}"
            f"  %r = linalg.generic {{indexing_maps = [{', '.join(affine)}], "
            f"iterator_types = [{its}]}} ins(%a, %b : {tensor(a, element)}, "
            f"{tensor(b, element)}) outs(%init : {tensor(c)}) {{\n{body}\n"
            f"  }} -> {tensor(c)}\n  return %r : {tensor(c)}\n}}\n")


def named(name, op, a, b, c):
    return (f"func.func @{name}(%a: {tensor(a)}, %b: {tensor(b)}) -> "
            f"{tensor(c)} {{\n  %zero = arith.constant 0.0 : f32\n"
            f"  %empty = tensor.empty() : {tensor(c)}\n"
            f"  %init = linalg.fill ins(%zero : f32) outs(%empty : "
            f"{tensor(c)}) -> {tensor(c)}\n"
            f"  %r = linalg.{op} ins(%a, %b : {tensor(a)}, {tensor(b)}) "
            f"outs(%init : {tensor(c)}) -> {tensor(c)}\n"
            f"  return %r : {tensor(c)}\n}}\n")


def conv(name, x, w, y, stride, dilation, weights=None):
    """func @NAME(X, W, BIAS) = linalg.conv_2d_nhwc_fhwc accumulating into
    BIAS, as TOSA lowers a convolution; with `weights` (an array of W's
    shape), func @NAME(X, BIAS) with W a constant in the IR, as imported
    models have it."""
    if weights is None:
        args, const = f"%x: {tensor(x)}, %w: {tensor(w)}", ""
    else:
        values = ", ".join(repr(float(v)) for v in weights.flatten())
        args = f"%x: {tensor(x)}"
        const = (f"  %flat = arith.constant dense<[{values}]> : "
                 f"tensor<{weights.size}xf32>\n"
                 f"  %w = tensor.expand_shape %flat [[0, 1, 2, 3]] "
                 f"output_shape [{', '.join(map(str, w))}] : "
                 f"tensor<{weights.size}xf32> into {tensor(w)}\n")
    return (f"func.func @{name}({args}, "
            f"%bias: {tensor(y)}) -> {tensor(y)} {{\n{const}"
            f"  %r = linalg.conv_2d_nhwc_fhwc {{dilations = dense<{dilation}> "
            f": tensor<2xi64>, strides = dense<{stride}> : tensor<2xi64>}} "
            f"ins(%x, %w : {tensor(x)}, {tensor(w)}) outs(%bias : "
            f"{tensor(y)}) -> {tensor(y)}\n  return %r : {tensor(y)}\n}}\n")


def depthwise(name, x, w, y, stride, dilation):
    """func @NAME(X, W, BIAS) = linalg.depthwise_conv_2d_nhwc_hwcm into BIAS
    (W is [KH, KW, C, M]), as TOSA lowers a depthwise convolution."""
    return (f"func.func @{name}(%x: {tensor(x)}, %w: {tensor(w)}, "
            f"%bias: {tensor(y)}) -> {tensor(y)} {{\n"
            f"  %r = linalg.depthwise_conv_2d_nhwc_hwcm {{dilations = "
            f"dense<{dilation}> : tensor<2xi64>, strides = dense<{stride}> : "
            f"tensor<2xi64>}} ins(%x, %w : {tensor(x)}, {tensor(w)}) "
            f"outs(%bias : {tensor(y)}) -> {tensor(y)}\n"
            f"  return %r : {tensor(y)}\n}}\n")


def depthwise_ref(x, w, bias, stride, dilation):
    """out[n,i,j,c,m] = bias + sum_{a,b} x[n, i*s + a*d, j*s + b*d, c] w[a,b,c,m]"""
    kh, kw = w.shape[:2]
    out = bias.astype(np.float64).copy()
    oh, ow = out.shape[1:3]
    for a in range(kh):
        for b in range(kw):
            rows = x[:, a * dilation: a * dilation + (oh - 1) * stride + 1:
                     stride]
            win = rows[:, :, b * dilation: b * dilation + (ow - 1) * stride
                       + 1: stride]
            out += win[..., None].astype(np.float64) * w[a, b]
    return out


def window_out(hw, k, stride, dilation):
    """The output rows and columns of a k x k window over `hw`."""
    span = dilation * (k - 1) + 1
    return tuple((d - span) // stride + 1 for d in hw)


def transpose(name, x, perm):
    """func @NAME(X) = linalg.transpose of X by `perm`."""
    y = tuple(x[p] for p in perm)
    return (f"func.func @{name}(%x: {tensor(x)}) -> {tensor(y)} {{\n"
            f"  %e = tensor.empty() : {tensor(y)}\n"
            f"  %t = linalg.transpose ins(%x : {tensor(x)}) outs(%e : "
            f"{tensor(y)}) permutation = [{', '.join(map(str, perm))}]\n"
            f"  return %t : {tensor(y)}\n}}\n")


def elementwise(name, inputs, out, body):
    """func @NAME(X0, X1, ...) = an all-parallel linalg.generic over `out`'s
    shape; `inputs` are (shape, map results) pairs, `body` the region's ops
    on %x0, %x1, ... ending in a value %y."""
    loops = len(out)
    names = ", ".join(f"d{i}" for i in range(loops))
    identity = tuple(f"d{i}" for i in range(loops))
    maps = [m for _, m in inputs] + [identity]
    affine = [f"affine_map<({names}) -> ({', '.join(m)})>" for m in maps]
    args = ", ".join(f"%a{i}: {tensor(shape)}"
                     for i, (shape, _) in enumerate(inputs))
    ins = ", ".join(f"%a{i}" for i in range(len(inputs)))
    in_types = ", ".join(tensor(shape) for shape, _ in inputs)
    block = ", ".join(f"%x{i}: f32" for i in range(len(inputs)))
    its = ", ".join('"parallel"' for _ in out)
    return (f"func.func @{name}({args}) -> {tensor(out)} {{\n"
            f"  %e = tensor.empty() : {tensor(out)}\n"
            f"  %r = linalg.generic {{indexing_maps = [{', '.join(affine)}], "
            f"iterator_types = [{its}]}} ins({ins} : {in_types}) outs(%e : "
            f"{tensor(out)}) {{\n  ^bb0({block}, %out: f32):\n{body}\n"
            f"    linalg.yield %y : f32\n  }} -> {tensor(out)}\n"
            f"  return %r : {tensor(out)}\n}}\n")


P, R = "parallel", "reduction"


def cases(rng):
    """(name, mlir, inputs, reference in float64)."""
    def rand(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    a, b = rand(16, 64), rand(64, 96)
    yield "matmul_whole_tiles", named("f", "matmul", a.shape, b.shape,
                                      (16, 96)), [a, b], a @ b.astype(float)
    a, b = rand(37, 53), rand(53, 61)
    yield "matmul_prime_extents", named("f", "matmul", a.shape, b.shape,
                                        (37, 61)), [a, b], a @ b.astype(float)
    a, b = rand(3, 7, 49), rand(3, 49, 50)
    yield "batch_matmul_odd", named("f", "batch_matmul", a.shape, b.shape,
                                    (3, 7, 50)), [a, b], a @ b.astype(float)
    # Attention scores: q k^T per batch, k read along its rows.
    q, k = rand(2, 49, 16), rand(2, 49, 16)
    yield "scores_q_kT", generic(
        "f", [("d0", "d1", "d3"), ("d0", "d2", "d3"), ("d0", "d1", "d2")],
        [P, P, P, R], q.shape, k.shape, (2, 49, 49)), [q, k], \
        np.einsum("bnd,bmd->bnm", q.astype(float), k)
    # A^T B: the left operand stored reduction-major.
    a, b = rand(24, 40), rand(24, 72)
    yield "aT_b", generic(
        "f", [("d2", "d0"), ("d2", "d1"), ("d0", "d1")], [P, P, R],
        a.shape, b.shape, (40, 72)), [a, b], a.T.astype(float) @ b
    # An output contiguous along m (out[n, m]): the wide tile is m.
    a, b = rand(48, 20), rand(20, 10)
    yield "output_transposed", generic(
        "f", [("d0", "d2"), ("d2", "d1"), ("d1", "d0")], [P, P, R],
        a.shape, b.shape, (10, 48)), [a, b], (a.astype(float) @ b).T
    # Reuse attention's P V: one probability matrix per batch applied to
    # every head's values, the heads a second parallel dimension.
    p, v = rand(2, 49, 49), rand(2, 3, 49, 32)
    yield "reuse_pv_heads", generic(
        "f", [("d0", "d2", "d4"), ("d0", "d1", "d4", "d3"),
              ("d0", "d1", "d2", "d3")], [P, P, P, P, R],
        p.shape, v.shape, (2, 3, 49, 32)), [p, v], \
        np.einsum("bnm,bhmd->bhnd", p.astype(float), v)
    # Attention's output projection: a reduction over heads and head
    # channels, which become one loop (collapseContractionDims), as do the
    # batch and the rows.
    x, w = rand(2, 49, 4, 16), rand(4, 16, 40)
    yield "projection_two_reductions", generic(
        "f", [("d0", "d1", "d3", "d4"), ("d3", "d4", "d2"),
              ("d0", "d1", "d2")], [P, P, P, R, R],
        x.shape, w.shape, (2, 49, 40)), [x, w], \
        np.einsum("bnhd,hdc->bnc", x.astype(float), w)
    # Two reductions that no operand reads contiguously stay two loops.
    x, w = rand(1, 8, 4, 16), rand(16, 24, 4)
    yield "split_reductions", generic(
        "f", [("d0", "d1", "d3", "d4"), ("d4", "d2", "d3"),
              ("d0", "d1", "d2")], [P, P, P, R, R],
        x.shape, w.shape, (1, 8, 24)), [x, w], \
        np.einsum("bnhd,dch->bnc", x.astype(float), w)
    # Accumulation into a given tensor (a bias), not zeros.
    a, b, c = rand(8, 33), rand(33, 64), rand(8, 64)
    yield "accumulate_into_init", generic(
        "f", [("d0", "d2"), ("d2", "d1"), ("d0", "d1")], [P, P, R],
        a.shape, b.shape, c.shape, zero_init=False), [a, b, c], \
        c + a.astype(float) @ b
    # A 1x1 convolution (a matrix product over the pixels), a strided one
    # and larger windows (matrix products of im2col patches), into a bias.
    # With constant weights (as imported), the filter is transposed at
    # compile time into [KH*KW*C, F]; 64 filters of 24 channels stay so, and
    # 288 filters of 3x3x256 (2.7 MB) are stored in panels
    # [F / 32, KH*KW*C, 32].
    for tag, n, hw, c, f, k, stride, dilation, constant in (
            ("1x1", 1, (7, 9), 24, 40, 1, 1, 1, False),
            ("1x1_stride2", 1, (7, 9), 24, 40, 1, 2, 1, False),
            ("3x3_stride2", 2, (9, 10), 16, 32, 3, 2, 1, False),
            ("5x5_dilation2", 1, (12, 13), 8, 24, 5, 1, 2, False),
            ("1x1_constant_weights", 1, (7, 9), 24, 40, 1, 1, 1, True),
            ("3x3_constant_weights", 1, (9, 10), 8, 20, 3, 2, 1, True),
            ("1x1_constant_wide", 1, (7, 9), 24, 64, 1, 1, 1, True),
            ("3x3_constant_panels", 1, (5, 5), 256, 288, 3, 1, 1, True)):
        x, w = rand(n, *hw, c), rand(f, k, k, c)
        out = (n, *window_out(hw, k, stride, dilation), f)
        bias = rand(*out)
        # A dense convolution is the depthwise one summed over channels.
        hwcm = np.transpose(w, (1, 2, 3, 0))
        ref = depthwise_ref(x, hwcm, np.zeros(out[:3] + (c, f)), stride,
                            dilation).sum(axis=3) + bias
        yield f"conv{tag}", conv("f", x.shape, w.shape, out, stride,
                                 dilation, w if constant else None), \
            [x, bias] if constant else [x, w, bias], ref
    # Depthwise convolutions (channel multiplier 1): 3x3 (MobileNet's),
    # 3x3 with stride 2, 3x3 with dilation 2, 5x5 on two images; and a
    # multiplier of 2, which stays loops.
    for tag, n, hw, c, k, stride, dilation, m in (
            ("3x3", 1, (9, 10), 48, 3, 1, 1, 1),
            ("3x3_stride2", 1, (9, 11), 40, 3, 2, 1, 1),
            ("3x3_dilation2", 1, (10, 10), 24, 3, 1, 2, 1),
            ("5x5_batch2", 2, (11, 11), 64, 5, 1, 1, 1),
            ("3x3_multiplier2", 1, (8, 8), 16, 3, 1, 1, 2)):
        x, w = rand(n, *hw, c), rand(k, k, c, m)
        out = (n, *window_out(hw, k, stride, dilation), c, m)
        bias = rand(*out)
        yield f"depthwise_{tag}", depthwise("f", x.shape, w.shape, out,
                                            stride, dilation), \
            [x, w, bias], depthwise_ref(x, w, bias, stride, dilation)
    # Transposes: NCHW to NHWC and back, a window partition (rank 6) and a
    # plain 2-D one with prime extents.
    for tag, shape, perm in (("nchw_to_nhwc", (2, 24, 7, 9), (0, 2, 3, 1)),
                             ("nhwc_to_nchw", (1, 14, 14, 40), (0, 3, 1, 2)),
                             ("windows", (1, 2, 7, 2, 7, 16),
                              (0, 1, 3, 2, 4, 5)),
                             ("prime_2d", (13, 17), (1, 0))):
        x = rand(*shape)
        yield f"transpose_{tag}", transpose("f", shape, perm), [x], \
            np.transpose(x, perm).astype(np.float64)
    # Elementwise ops (uniform-cpu-vectorize-elementwise): a ReLU written
    # as a clamp over an NHWC tensor (one collapsed loop of 2704 = 42 tiles
    # of 64 and 16 more), a bias broadcast along rows of 100 (64 + 36), a
    # short row of 16 (4 rows a tile), a sigmoid with exp, and an add whose
    # second operand is read transposed (left to loops).
    x = rand(1, 13, 13, 16)
    yield "elementwise_relu_clamp", elementwise(
        "f", [(x.shape, ("d0", "d1", "d2", "d3"))], x.shape,
        "    %big = arith.constant 3.40282347E+38 : f32\n"
        "    %zero = arith.constant 0.0 : f32\n"
        "    %lo = arith.minimumf %x0, %big : f32\n"
        "    %y = arith.maximumf %lo, %zero : f32"), [x], \
        np.maximum(x, 0).astype(np.float64)
    x, bias = rand(1, 5, 7, 100), rand(100)
    yield "elementwise_bias_remainder", elementwise(
        "f", [(x.shape, ("d0", "d1", "d2", "d3")), (bias.shape, ("d3",))],
        x.shape, "    %y = arith.addf %x0, %x1 : f32"), [x, bias], \
        x.astype(np.float64) + bias
    x, row = rand(36, 16), rand(16)
    yield "elementwise_short_rows", elementwise(
        "f", [(x.shape, ("d0", "d1")), (row.shape, ("d1",))], x.shape,
        "    %y = arith.mulf %x0, %x1 : f32"), [x, row], \
        x.astype(np.float64) * row
    x = rand(2, 50)
    yield "elementwise_sigmoid", elementwise(
        "f", [(x.shape, ("d0", "d1"))], x.shape,
        "    %one = arith.constant 1.0 : f32\n"
        "    %n = arith.negf %x0 : f32\n"
        "    %ex = math.exp %n : f32\n"
        "    %d = arith.addf %ex, %one : f32\n"
        "    %y = arith.divf %one, %d : f32"), [x], \
        1 / (1 + np.exp(-x.astype(np.float64)))
    x, t = rand(13, 17), rand(17, 13)
    yield "elementwise_transposed_operand", elementwise(
        "f", [(x.shape, ("d0", "d1")), (t.shape, ("d1", "d0"))], x.shape,
        "    %y = arith.addf %x0, %x1 : f32"), [x, t], \
        x.astype(np.float64) + t.T
    # f16 operands, f32 accumulation.
    a, b = rand(16, 40).astype(np.float16), rand(40, 32).astype(np.float16)
    yield "f16_operands_f32_acc", generic(
        "f", [("d0", "d2"), ("d2", "d1"), ("d0", "d1")], [P, P, R],
        a.shape, b.shape, (16, 32), element="f16"), [a, b], \
        a.astype(float) @ b.astype(float)


def run_case(name, mlir, inputs, ref, args):
    base = os.path.join(args.work, name)
    with open(base + ".mlir", "w") as f:
        f.write(mlir)
    paths = []
    for i, x in enumerate(inputs):
        paths.append(f"{base}.in{i}.npy")
        np.save(paths[-1], x)
    pipeline = "--uniform-cpu-pipeline"
    if args.pipeline_options:
        pipeline += "=" + args.pipeline_options
    subprocess.run([os.path.join(args.bin, "uniform-opt"), base + ".mlir",
                    pipeline, "-o", base + ".ll.mlir"], check=True)
    command = [os.path.join(args.bin, "uniform-run"), base + ".ll.mlir",
               "--output", base + ".out.npy"]
    for path in paths:
        command += ["--input", path]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    got = np.load(base + ".out.npy").astype(np.float64)
    if got.shape != ref.shape:
        return f"shape {got.shape}, expected {ref.shape}"
    err = float(np.abs(got - ref).max())
    scale = max(1.0, float(np.abs(ref).max()))
    tol = (2e-2 if inputs[0].dtype == np.float16 else 1e-5) * scale
    return err if err <= tol else f"max abs error {err:.3g} > {tol:.3g}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--pipeline-options", default="")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    passed = failed = 0
    for name, mlir, inputs, ref in cases(np.random.default_rng(7)):
        try:
            result = run_case(name, mlir, inputs, ref, args)
        except subprocess.CalledProcessError as error:
            result = f"{error.cmd[0]} exited with {error.returncode}"
        if isinstance(result, float):
            passed += 1
            print(f"ok {name}: max abs error {result:.3g}")
        else:
            failed += 1
            print(f"FAIL {name}: {result}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
