#!/usr/bin/env python3
"""A lane-by-lane NumPy model of the kernel that convert-attn-to-nvgpu emits.

Without a GPU the fused kernel cannot run here, so this models its data flow
per warp and lane exactly as AttnToNVGPU.cpp builds it: the staging into
f16 tiles, the A/B/C fragment index arithmetic of mma.m16n8k16 (PTX ISA
layouts), the quad shuffles of the softmax, the reuse of the score
accumulators as the A operand of the value product, and the output column
to (head, channel) mapping. It compares the result with float64 attention.
It checks the composition of the fragments and of the online softmax over key
steps, not the PTX layouts themselves
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
    or [1, M, Dv]; returns [H, N, Dv]. Mirrors the blocks (query blocks of
    up to 64 rows x column chunks of the value tile), the online softmax
    over key steps of 64, and the fragments of every warp."""
    N, Dk = q.shape
    # Q and K tiles are Dk rounded up to the k-step of 16, zero beyond Dk.
    dk_tile = -(-Dk // 16) * 16
    M = k.shape[0]
    H, _, Dv = v.shape
    warps = min(4, -(-N // 16))
    qrows = 16 * warps
    query_blocks = -(-N // qrows)
    key_steps = -(-M // 64)
    key_rows = -(-M // 16) * 16 if key_steps == 1 else 64
    cols = H * Dv
    chunk = next(c for c in range(128, 7, -8) if cols % c == 0)
    f16 = np.float16
    out = np.zeros((H, N, Dv), np.float32)
    lanes = range(32)
    for qb in range(query_blocks):
        qs = np.zeros((qrows, dk_tile), f16)
        rows_here = min(qrows, N - qb * qrows)
        qs[:rows_here, :Dk] = q[qb * qrows:qb * qrows + rows_here]
        for chunk_index in range(cols // chunk):
            col_base = chunk_index * chunk
            for w in range(warps):
                g = [lane // 4 for lane in lanes]
                t2 = [(lane % 4) * 2 for lane in lanes]
                row0 = [16 * w + g[l] for l in lanes]
                row1 = [r + 8 for r in row0]
                grow = [[qb * qrows + row0[l] for l in lanes], [qb * qrows + row1[l] for l in lanes]]
                qfrag = []
                for kk in range(dk_tile // 16):
                    c0 = [t2[l] + 16 * kk for l in lanes]
                    qfrag.append([np.array([qs[row0[l], c0[l]:c0[l] + 2], qs[row1[l], c0[l]:c0[l] + 2],
                                            qs[row0[l], c0[l] + 8:c0[l] + 10], qs[row1[l], c0[l] + 8:c0[l] + 10]])
                                  for l in lanes])
                row_max = [[np.float32(-np.inf)] * 32 for _ in range(2)]
                row_sum = [[np.float32(0)] * 32 for _ in range(2)]
                o = [[np.zeros((2, 2), np.float32) for _ in lanes] for _ in range(chunk // 8)]
                for step in range(key_steps):
                    key_base = 64 * step
                    ks = np.zeros((key_rows, dk_tile), f16)
                    vs = np.zeros((key_rows, chunk), f16)
                    n_keys = max(0, min(key_rows, M - key_base))
                    ks[:n_keys, :Dk] = k[key_base:key_base + n_keys]
                    for c in range(chunk):
                        col = col_base + c
                        vs[:n_keys, c] = v[col // Dv, key_base:key_base + n_keys, col % Dv]
                    tiles = key_rows // 8
                    acc = [[np.zeros((2, 2), np.float32) for _ in lanes] for _ in range(tiles)]
                    for kk in range(dk_tile // 16):
                        c0 = [t2[l] + 16 * kk for l in lanes]
                        for j in range(tiles):
                            kr = [g[l] + 8 * j for l in lanes]
                            b = [np.array([ks[kr[l], c0[l]:c0[l] + 2], ks[kr[l], c0[l] + 8:c0[l] + 10]])
                                 for l in lanes]
                            acc[j] = mma(qfrag[kk], b, acc[j])
                    sv = [[None] * 32 for _ in range(tiles)]
                    for j in range(tiles):
                        for l in lanes:
                            vals = []
                            for r in range(2):
                                row = grow[r][l]
                                for c in range(2):
                                    col = key_base + t2[l] + 8 * j + c
                                    x = np.float32(acc[j][l][r, c]) * np.float32(scale)
                                    if bias is not None:
                                        x += bias[row, col] if (col < M and row < N) else np.float32(0)
                                    vals.append(x if col < M else np.float32(-np.inf))
                            sv[j][l] = vals

                    def quad(values, op):
                        vv = list(values)
                        for offset in (1, 2):
                            vv = [op(vv[l], vv[l ^ offset]) for l in lanes]
                        return vv

                    corr = []
                    for r in range(2):
                        tmax = quad([max([np.float32(-np.inf)] + [sv[j][l][2 * r + c] for j in range(tiles)
                                                                  for c in range(2)]) for l in lanes], max)
                        new_max = [max(row_max[r][l], tmax[l]) for l in lanes]
                        cr = [np.exp(np.float32(row_max[r][l] - new_max[l])) for l in lanes]
                        sums = []
                        for l in lanes:
                            total = np.float32(0)
                            for j in range(tiles):
                                for c in range(2):
                                    p = np.exp(np.float32(sv[j][l][2 * r + c] - new_max[l]))
                                    sv[j][l][2 * r + c] = p
                                    total += p
                            sums.append(total)
                        sums = quad(sums, lambda x, y: x + y)
                        row_sum[r] = [row_sum[r][l] * cr[l] + sums[l] for l in lanes]
                        row_max[r] = new_max
                        corr.append(cr)
                    pfrag = []
                    for kk in range(key_rows // 16):
                        frag = []
                        for l in lanes:
                            e = []
                            for part in range(4):
                                j = 2 * kk + part // 2
                                r = part % 2
                                e.append([sv[j][l][2 * r], sv[j][l][2 * r + 1]])
                            frag.append(np.array(e, f16))
                        pfrag.append(frag)
                    for ct in range(chunk // 8):
                        cur = [o[ct][l] * np.array([[corr[0][l]] * 2, [corr[1][l]] * 2], np.float32)
                               for l in lanes]
                        for kk in range(key_rows // 16):
                            b = []
                            for l in lanes:
                                k0 = t2[l] + 16 * kk
                                colb = g[l] + 8 * ct
                                e = [vs[k0 + (i // 2) * 8 + i % 2, colb] for i in range(4)]
                                b.append(np.array(e, f16).reshape(2, 2))
                            cur = mma(pfrag[kk], b, cur)
                        o[ct] = cur
                for ct in range(chunk // 8):
                    for l in lanes:
                        for r in range(2):
                            row = grow[r][l]
                            if row >= N:
                                continue
                            for c in range(2):
                                col = col_base + t2[l] + 8 * ct + c
                                out[col // Dv, row, col % Dv] = o[ct][l][r, c] / row_sum[r][l]
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
    # Then long sequences: several query blocks and key steps (M not a
    # multiple of 64), and a value tile wider than one chunk.
    cases = [(49, 49, 32, 4, 32, True), (16, 16, 96, 4, 96, False),
             (1, 7, 16, 1, 8, True), (64, 64, 16, 2, 8, False),
             (33, 20, 48, 3, 16, True), (80, 150, 16, 3, 64, True),
             (130, 64, 32, 1, 24, False),
             # Dk padded to the k-step: UniForm-l's stage 2 (72), and 8.
             (49, 49, 72, 3, 96, True), (20, 33, 8, 2, 8, False)]
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
