#!/usr/bin/env python3
"""A lane-by-lane NumPy model of the kernel that convert-attn-to-nvgpu emits.

Without a GPU the fused kernel cannot run here, so this models its data flow
per warp and lane exactly as AttnToNVGPU.cpp builds it: the staging into
f16 tiles, the A/B/C fragment index arithmetic of mma.m16n8k16 (PTX ISA
layouts), the quad shuffles of the softmax, the reuse of the score
accumulators as the A operand of the value product, and the output column
to (head, channel) mapping. It compares the result with float64 attention.
It checks the composition of the fragments, not the PTX layouts themselves
(those are the ISA's, as documented at the top of AttnToNVGPU.cpp).

  mma_attention_model.py [--seed S]   # prints one line per case, exit 1 on error
"""
import argparse
import sys

import numpy as np


def mma(a_frags, b_frags, c_frags):
    """One warp's mma.sync m16n8k16: per-lane fragments in, per-lane out."""
    A = np.zeros((16, 16), np.float32)
    B = np.zeros((16, 8), np.float32)
    C = np.zeros((16, 8), np.float32)
    for lane in range(32):
        g, t = lane // 4, lane % 4
        a, b, c = a_frags[lane], b_frags[lane], c_frags[lane]
        for i, (r, col) in enumerate([(g, 2 * t), (g + 8, 2 * t), (g, 2 * t + 8), (g + 8, 2 * t + 8)]):
            A[r, col:col + 2] = a[i]
        for i, k in enumerate([2 * t, 2 * t + 8]):
            B[k:k + 2, g] = b[i]
        C[g, 2 * t:2 * t + 2] = c[0]
        C[g + 8, 2 * t:2 * t + 2] = c[1]
    D = A.astype(np.float64) @ B.astype(np.float64) + C
    out = []
    for lane in range(32):
        g, t = lane // 4, lane % 4
        out.append(np.array([D[g, 2 * t:2 * t + 2], D[g + 8, 2 * t:2 * t + 2]], np.float32))
    return out


def kernel(q, k, v, bias, scale, reuse):
    """q: [N, Dk] (one image / one head), k: [M, Dk], v: [H, M, Dv] (reuse)
    or [1, M, Dv]; returns [H, N, Dv]."""
    N, Dk = q.shape
    M = k.shape[0]
    H, _, Dv = v.shape
    warps = -(-N // 16)
    keys_pad = -(-M // 16) * 16
    cols = H * Dv
    f16 = np.float16
    qs = np.zeros((16 * warps, Dk), f16)
    qs[:N] = q
    ks = np.zeros((keys_pad, Dk), f16)
    ks[:M] = k
    vs = np.zeros((keys_pad, cols), f16)
    for c in range(cols):
        vs[:M, c] = v[c // Dv, :, c % Dv]
    out = np.zeros((H, N, Dv), np.float32)
    tiles = keys_pad // 8
    for w in range(warps):
        lanes = range(32)
        g = [lane // 4 for lane in lanes]
        t2 = [(lane % 4) * 2 for lane in lanes]
        row0 = [16 * w + g[l] for l in lanes]
        row1 = [r + 8 for r in row0]
        acc = [[np.zeros((2, 2), np.float32) for _ in lanes] for _ in range(tiles)]
        for kk in range(Dk // 16):
            c0 = [t2[l] + 16 * kk for l in lanes]
            a = [np.array([qs[row0[l], c0[l]:c0[l] + 2], qs[row1[l], c0[l]:c0[l] + 2],
                           qs[row0[l], c0[l] + 8:c0[l] + 10], qs[row1[l], c0[l] + 8:c0[l] + 10]])
                 for l in lanes]
            for j in range(tiles):
                kr = [g[l] + 8 * j for l in lanes]
                b = [np.array([ks[kr[l], c0[l]:c0[l] + 2], ks[kr[l], c0[l] + 8:c0[l] + 10]]) for l in lanes]
                acc[j] = mma(a, b, acc[j])
        # sv[j][lane] = [(r0,c), (r0,c+1), (r1,c), (r1,c+1)]
        sv = [[None] * 32 for _ in range(tiles)]
        for j in range(tiles):
            for l in lanes:
                vals = []
                for r, row in ((0, row0[l]), (1, row1[l])):
                    for c in range(2):
                        col = t2[l] + 8 * j + c
                        x = np.float32(acc[j][l][r, c]) * np.float32(scale)
                        if bias is not None:
                            x += bias[row, col] if (col < M and row < N) else np.float32(0)
                        vals.append(x if col < M else np.float32(-np.inf))
                sv[j][l] = vals

        def quad(values, op):
            v = list(values)
            for offset in (1, 2):
                v = [op(v[l], v[l ^ offset]) for l in lanes]
            return v

        row_max, row_sum = [], []
        for r in range(2):
            m = [max([np.float32(-np.inf)] + [sv[j][l][2 * r + c] for j in range(tiles) for c in range(2)])
                 for l in lanes]
            row_max.append(quad(m, max))
        for r in range(2):
            s = []
            for l in lanes:
                total = np.float32(0)
                for j in range(tiles):
                    for c in range(2):
                        p = np.exp(np.float32(sv[j][l][2 * r + c] - row_max[r][l]))
                        sv[j][l][2 * r + c] = p
                        total += p
                s.append(total)
            row_sum.append(quad(s, lambda x, y: x + y))
        pfrag = []
        for kk in range(keys_pad // 16):
            frag = []
            for l in lanes:
                e = []
                for part in range(4):
                    j = 2 * kk + part // 2
                    r = part % 2
                    e.append([sv[j][l][2 * r], sv[j][l][2 * r + 1]])
                frag.append(np.array(e, f16))
            pfrag.append(frag)
        for ct in range(cols // 8):
            o = [np.zeros((2, 2), np.float32) for _ in lanes]
            for kk in range(keys_pad // 16):
                b = []
                for l in lanes:
                    k0 = t2[l] + 16 * kk
                    colb = g[l] + 8 * ct
                    e = [vs[k0 + (i // 2) * 8 + i % 2, colb] for i in range(4)]
                    b.append(np.array(e, f16).reshape(2, 2))
                o = mma(pfrag[kk], b, o)
            for l in lanes:
                for r, row in ((0, row0[l]), (1, row1[l])):
                    if row >= N:
                        continue
                    for c in range(2):
                        col = t2[l] + 8 * ct + c
                        out[col // Dv, row, col % Dv] = o[l][r, c] / row_sum[r][l]
    return out


def reference(q, k, v, bias, scale):
    s = q.astype(np.float64) @ k.astype(np.float64).T * scale
    if bias is not None:
        s = s + bias
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    return np.stack([p @ v[h].astype(np.float64) for h in range(v.shape[0])])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    # (N, M, Dk, H, Dv, bias): UniForm's window, the odd sizes at the kernel's
    # edges (1 token, M not a multiple of 16, 64 tokens, several warps).
    cases = [(49, 49, 32, 4, 32, True), (16, 16, 96, 4, 96, False),
             (1, 7, 16, 1, 8, True), (64, 64, 16, 2, 8, False),
             (33, 20, 48, 3, 16, True)]
    worst = 0.0
    for N, M, Dk, H, Dv, has_bias in cases:
        q = rng.standard_normal((N, Dk)).astype(np.float32)
        k = rng.standard_normal((M, Dk)).astype(np.float32)
        v = rng.standard_normal((H, M, Dv)).astype(np.float32)
        bias = rng.standard_normal((N, M)).astype(np.float32) if has_bias else None
        scale = Dk ** -0.5
        got = kernel(q, k, v, bias, scale, reuse=True)
        # The kernel rounds Q, K, V and P to f16: compare with a reference on
        # the same f16-rounded inputs, within P's f16 rounding.
        ref = reference(q.astype(np.float16), k.astype(np.float16),
                        v.astype(np.float16), bias, scale)
        err = float(np.abs(got - ref).max())
        worst = max(worst, err)
        print(f"N={N} M={M} Dk={Dk} H={H} Dv={Dv} bias={int(has_bias)}: max abs error {err:.3g}")
    ok = worst < 5e-3
    print(f"model {'matches' if ok else 'DOES NOT MATCH'} the reference (worst {worst:.3g}, tolerance 5e-3)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
