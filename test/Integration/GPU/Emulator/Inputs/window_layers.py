#!/usr/bin/env python3
"""Window layers for uniform-gpu-register-tile-windows on the emulator.

  window_layers.py gen DIR     writes DIR/layers.mlir (TOSA: a 7x7 depthwise
                               convolution with bias and ReLU6, and a 3x3
                               stride-2 convolution with bias, padded before
                               only, as exporters pad), their inputs
                               and float64 NumPy references
  window_layers.py check DIR NAME OUT.npy
                               compares OUT.npy with NAME's reference
                               (relative to its largest element, 1e-5)
"""
import os
import sys

import numpy as np


def tensor(shape):
    return "tensor<" + "x".join(map(str, shape)) + "xf32>"


def const(name, array):
    data = "0x" + array.astype("<f4").tobytes().hex().upper()
    return (f'  %{name} = "tosa.const"() {{values = dense<"{data}"> : '
            f"{tensor(array.shape)}}} : () -> {tensor(array.shape)}\n")


def conv_reference(x, w, b, stride, pad, depthwise):
    """NHWC x, w [KH, KW, C] (depthwise) or [F, KH, KW, C], in float64; pad
    is (before, after), the same for H and W."""
    x = np.pad(x.astype(np.float64), ((0, 0), pad, pad, (0, 0)))
    kh, kw = (w.shape[0], w.shape[1]) if depthwise else (w.shape[1], w.shape[2])
    oh = (x.shape[1] - kh) // stride + 1
    ow = (x.shape[2] - kw) // stride + 1
    out = np.zeros((x.shape[0], oh, ow, w.shape[-1] if depthwise else w.shape[0]))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i:i + stride * oh:stride, j:j + stride * ow:stride, :]
            if depthwise:
                out += patch * w[i, j]
            else:
                out += patch @ w[:, i, j, :].T.astype(np.float64)
    return out + b


def gen(d):
    rng = np.random.default_rng(7)
    xd = rng.standard_normal((1, 56, 56, 32)).astype(np.float32)
    wd = (0.2 * rng.standard_normal((7, 7, 32))).astype(np.float32)
    bd = rng.standard_normal(32).astype(np.float32)
    xs = rng.standard_normal((1, 112, 112, 8)).astype(np.float32)
    ws = (0.3 * rng.standard_normal((32, 3, 3, 8))).astype(np.float32)
    bs = rng.standard_normal(32).astype(np.float32)
    zero = '  %z = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>\n'
    text = f"func.func @depthwise(%x: {tensor(xd.shape)}) -> {tensor(xd.shape)} {{\n"
    text += const("w", wd.reshape(7, 7, 32, 1)) + const("b", bd) + zero
    text += (f"  %0 = tosa.depthwise_conv2d %x, %w, %b, %z, %z {{acc_type = f32, "
             f"dilation = array<i64: 1, 1>, pad = array<i64: 3, 3, 3, 3>, "
             f"stride = array<i64: 1, 1>}} : ({tensor(xd.shape)}, "
             f"tensor<7x7x32x1xf32>, tensor<32xf32>, tensor<1xf32>, "
             f"tensor<1xf32>) -> {tensor(xd.shape)}\n")
    text += (f"  %1 = tosa.clamp %0 {{min_val = 0.0 : f32, max_val = 6.0 : f32}} : "
             f"({tensor(xd.shape)}) -> {tensor(xd.shape)}\n")
    text += f"  return %1 : {tensor(xd.shape)}\n}}\n"
    out = (1, 56, 56, 32)
    text += f"func.func @strided(%x: {tensor(xs.shape)}) -> {tensor(out)} {{\n"
    text += const("w", ws) + const("b", bs) + zero
    text += (f"  %0 = tosa.conv2d %x, %w, %b, %z, %z {{acc_type = f32, "
             f"dilation = array<i64: 1, 1>, pad = array<i64: 1, 0, 1, 0>, "
             f"stride = array<i64: 2, 2>}} : ({tensor(xs.shape)}, "
             f"{tensor(ws.shape)}, tensor<32xf32>, tensor<1xf32>, "
             f"tensor<1xf32>) -> {tensor(out)}\n")
    text += f"  return %0 : {tensor(out)}\n}}\n"
    with open(os.path.join(d, "layers.mlir"), "w") as f:
        f.write(text)
    np.save(os.path.join(d, "xd.npy"), xd)
    np.save(os.path.join(d, "xs.npy"), xs)
    ref = np.clip(conv_reference(xd, wd, bd, 1, (3, 3), True), 0, 6)
    np.save(os.path.join(d, "depthwise.ref.npy"), ref)
    np.save(os.path.join(d, "strided.ref.npy"),
            conv_reference(xs, ws, bs, 2, (1, 0), False))


def check(d, name, out):
    ref = np.load(os.path.join(d, name + ".ref.npy"))
    got = np.load(out).astype(np.float64)
    err = float(np.abs(got - ref).max() / np.abs(ref).max())
    verdict = "match" if got.shape == ref.shape and err <= 1e-5 else "MISMATCH"
    print(f"{name}: relative error {err:.2e}: {verdict}")
    return 0 if verdict == "match" else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "gen":
        gen(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "check":
        sys.exit(check(*sys.argv[2:]))
    else:
        sys.exit(__doc__)
