#!/usr/bin/python3
"""A corpus of independently written PyTorch attention modules for the raiser.

Every module here was written from the math of the UniForm Reuse Attention
layer (arXiv 2412.02344) and of a few well-known multi-head variants, each in
its own coding style, so that `attn-raise` / `attn-reuse-heads` meet graphs
they were not written against.

Positives: all heads of a layer apply ONE attention matrix (per batch item
and window); the expected result after raising is one `attn.reuse` of H heads
per layer.  Negatives: each head keeps its own matrix; no `attn.reuse` with
more than one head may appear.

    /usr/bin/python3 test/lib/attention_corpus.py --list
    /usr/bin/python3 test/lib/attention_corpus.py NAME OUT.onnx [--check DIR]
    /usr/bin/python3 test/lib/attention_corpus.py --all DIR [--tools build/bin]
    /usr/bin/python3 test/lib/attention_corpus.py NAME --verify RAISED.mlir

`--check DIR` writes DIR/in0.npy (the seeded float32 input) and DIR/ref.npy
(PyTorch's output).  `--all DIR` exports every model to DIR/NAME.onnx with
DIR/NAME/{in0,ref}.npy and prints the time each took; with `--tools BIN` it
also imports and raises each one (uniform-translate --import-onnx, then
uniform-opt --attn-raise --canonicalize --cse --attn-reuse-heads) and
compares the attn ops with EXPECTED.  `--verify` does that comparison for
one already raised file (exit 1 only on a wrong merge).

EXPECTED is machine-readable: name -> {"reuse": [heads of each attn.reuse
with H > 1], "mha": [heads of each attn.mha with H > 1], "single": number of
single-head attention ops (spelled attn.mha or attn.reuse with H = 1),
"matrices": distinct attention matrices per batch item and window, summed
over the layers}.  Negatives written as one batched product over heads
expect one attn.mha of H heads; those written as a Python loop over heads
expect H separate single-head ops.
"""

import argparse
import functools
import math
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(1)


# --------------------------------------------------------------------------
# Shared constant: the relative-position index of a rows x cols grid.
# idx[i, j] = |dy| * cols + |dx| for tokens i, j in row-major order, so the
# table has rows * cols entries.
# --------------------------------------------------------------------------
def offsets_index(rows, cols):
    ys, xs = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    ys, xs = ys.reshape(-1), xs.reshape(-1)
    idx = np.abs(ys[:, None] - ys[None, :]) * cols + np.abs(xs[:, None] - xs[None, :])
    return torch.from_numpy(idx.astype(np.int64))


# ==========================================================================
# Positives
# ==========================================================================

class ChunkViewReuse(nn.Module):
    """Canonical layer: torch.chunk + .view, torch.matmul, scale as Mul,
    bias gathered as table[:, idx] and added after the scale, F.softmax,
    per-head depthwise values (kernels 1,3,5,7), concat, ReLU, conv+BN."""

    def __init__(self, dim=64, heads=4, res=7):
        super().__init__()
        self.heads = heads
        kd = dim // 4
        d = dim // heads
        self.qk = nn.Sequential(nn.Conv2d(dim, 2 * kd, 1, bias=False), nn.BatchNorm2d(2 * kd))
        self.q_dw = nn.Sequential(
            nn.Conv2d(kd, kd, 7, padding=3, groups=kd, bias=False), nn.BatchNorm2d(kd))
        self.v_dw = nn.ModuleList(
            [nn.Conv2d(d, d, ks, padding=ks // 2, groups=d) for ks in (1, 3, 5, 7)[:heads]])
        self.rel_table = nn.Parameter(0.5 * torch.randn(1, res * res))
        self.register_buffer("rel_idx", offsets_index(res, res))
        self.proj = nn.Sequential(nn.ReLU(), nn.Conv2d(dim, dim, 1, bias=False), nn.BatchNorm2d(dim))

    def forward(self, x):
        B, C, H, W = x.shape
        q, k = self.qk(x).chunk(2, dim=1)
        q = self.q_dw(q).view(B, -1, H * W)
        k = k.view(B, -1, H * W)
        logits = torch.matmul(q.transpose(1, 2), k) * 0.25 + self.rel_table[:, self.rel_idx]
        attn = F.softmax(logits, dim=-1)
        heads = []
        for conv, v in zip(self.v_dw, x.chunk(self.heads, dim=1)):
            heads.append(torch.matmul(conv(v).view(B, -1, H * W), attn.transpose(1, 2)))
        return x + self.proj(torch.cat(heads, dim=1).view(B, C, H, W))


class SplitEinsumReuse(nn.Module):
    """3 heads, 6x6 map.  torch.split, einsum for both products, bias via
    torch.gather (GatherElements) added BEFORE the scale, scale as Div by 4.0,
    per-head 1x1 value projections (separate convs), A broadcast over a
    stacked [B,h,d,N] value tensor inside one einsum, reshape + permute."""

    def __init__(self):
        super().__init__()
        self.dim, self.nh, self.kd, self.side = 48, 3, 12, 6
        n = self.side * self.side
        self.proj_qk = nn.Conv2d(self.dim, 2 * self.kd, 1)
        self.bn_qk = nn.BatchNorm2d(2 * self.kd)
        self.q_local = nn.Conv2d(self.kd, self.kd, 5, padding=2, groups=self.kd)
        self.bn_q = nn.BatchNorm2d(self.kd)
        hd = self.dim // self.nh
        self.value_proj = nn.ModuleList([nn.Conv2d(hd, hd, 1) for _ in range(self.nh)])
        self.pos_bias = nn.Parameter(torch.randn(n) * 0.4)
        self.register_buffer("pos_index", offsets_index(self.side, self.side))
        self.out = nn.Conv2d(self.dim, self.dim, 1)
        self.out_bn = nn.BatchNorm2d(self.dim)

    def forward(self, x):
        n = self.side * self.side
        qk = self.bn_qk(self.proj_qk(x))
        q, k = torch.split(qk, [self.kd, self.kd], dim=1)
        q = self.bn_q(self.q_local(q)).reshape(-1, self.kd, n)
        k = k.reshape(-1, self.kd, n)
        table = self.pos_bias.unsqueeze(0).expand(n, self.pos_bias.shape[0])
        bias = torch.gather(table, 1, self.pos_index)
        scores = (torch.einsum("bcn,bcm->bnm", q, k) + bias) / 4.0
        attn = scores.softmax(dim=-1)
        parts = torch.split(x, self.dim // self.nh, dim=1)
        vals = [proj(p) for proj, p in zip(self.value_proj, parts)]
        v = torch.stack(vals, dim=1).reshape(-1, self.nh, self.dim // self.nh, n)
        o = torch.einsum("bhcm,bnm->bnhc", v, attn)               # [B, N, h, d]
        o = o.permute(0, 2, 3, 1).reshape(-1, self.dim, self.side, self.side)
        return x + self.out_bn(self.out(F.relu(o)))


class TokenLinearReuse(nn.Module):
    """Token layout [B, N, C] in and out, batch 2, 5 heads, no bias.
    nn.Linear q/k projection sliced with [..., :kd], `@`, scale `* kd**-0.5`,
    nn.Softmax module, per-head nn.Linear value projections on channel
    slices tokens[:, :, i*d:(i+1)*d], A @ V_i per head, concat on the last
    axis, ReLU, Linear, residual."""

    def __init__(self, dim=40, heads=5):
        super().__init__()
        self.qk_dim = dim // 4
        self.head_dim = dim // heads
        self.scale = self.qk_dim ** -0.5
        self.to_qk = nn.Linear(dim, 2 * self.qk_dim)
        self.value_heads = nn.ModuleList(
            [nn.Linear(self.head_dim, self.head_dim) for _ in range(heads)])
        self.softmax = nn.Softmax(dim=-1)
        self.merge = nn.Linear(dim, dim)

    def forward(self, tokens):
        qk = self.to_qk(tokens)
        q, k = qk[..., :self.qk_dim], qk[..., self.qk_dim:]
        attn = self.softmax(q @ k.transpose(-2, -1) * self.scale)
        d = self.head_dim
        out = torch.cat(
            [attn @ lin(tokens[:, :, i * d:(i + 1) * d]) for i, lin in enumerate(self.value_heads)],
            dim=-1)
        return tokens + self.merge(F.relu(out))


class ExplicitWeightReuse(nn.Module):
    """Functional F.conv2d with explicit parameters, 8x8 map (N=64), no bias.
    The scale 8**-0.5 is folded into the query's depthwise weights and bias
    (no scale op in the graph: scale 1).  Scores are computed transposed
    (k^T q, keys first) with torch.bmm, softmax over dim -2, then transposed
    back.  Result returned as [B, C, N]."""

    KERNELS = (1, 3, 5, 7)

    def __init__(self):
        super().__init__()
        c, kd, d = 32, 8, 8
        s = kd ** -0.5
        self.w_q = nn.Parameter(torch.randn(kd, c, 1, 1) / math.sqrt(c))
        self.b_q = nn.Parameter(0.1 * torch.randn(kd))
        self.w_k = nn.Parameter(torch.randn(kd, c, 1, 1) / math.sqrt(c))
        self.b_k = nn.Parameter(0.1 * torch.randn(kd))
        self.w_qdw = nn.Parameter(s * torch.randn(kd, 1, 3, 3) / 3.0)
        self.b_qdw = nn.Parameter(s * 0.1 * torch.randn(kd))
        self.w_v = nn.ParameterList(
            [nn.Parameter(torch.randn(d, 1, ks, ks) / ks) for ks in self.KERNELS])
        self.b_v = nn.ParameterList([nn.Parameter(0.1 * torch.randn(d)) for _ in self.KERNELS])
        self.w_o = nn.Parameter(torch.randn(c, c, 1, 1) / math.sqrt(c))
        self.b_o = nn.Parameter(0.1 * torch.randn(c))

    def forward(self, x):
        b = x.shape[0]
        q = F.conv2d(F.conv2d(x, self.w_q, self.b_q), self.w_qdw, self.b_qdw, padding=1, groups=8)
        k = F.conv2d(x, self.w_k, self.b_k)
        q = q.reshape(b, 8, 64)
        k = k.reshape(b, 8, 64)
        scores_t = torch.bmm(k.transpose(1, 2), q)            # [b, keys, queries]
        attn = torch.softmax(scores_t, dim=-2).transpose(1, 2)  # [b, queries, keys]
        outs = []
        for i, ks in enumerate(self.KERNELS):
            vi = F.conv2d(x[:, 8 * i:8 * (i + 1)], self.w_v[i], self.b_v[i],
                          padding=ks // 2, groups=8)
            outs.append(torch.bmm(vi.reshape(b, 8, 64), attn.transpose(1, 2)))
        o = torch.cat(outs, 1).reshape(b, 32, 8, 8)
        y = x + F.conv2d(F.relu(o), self.w_o, self.b_o)
        return y.flatten(2)


class _WindowCore(nn.Module):
    """Reuse Attention on [Bw, C, win, win] windows: qk split by slicing,
    flatten(2), bias via index_select added BEFORE the scale, `@`, heads
    taken from a reshape [Bw, h, d, win, win] by integer indexing."""

    def __init__(self, dim, heads, win, bias_before_scale=True):
        super().__init__()
        self.dim, self.heads, self.win = dim, heads, win
        self.bias_before_scale = bias_before_scale
        self.kd = dim // 4
        self.qk = nn.Sequential(nn.Conv2d(dim, 2 * self.kd, 1, bias=False), nn.BatchNorm2d(2 * self.kd))
        self.qdw = nn.Sequential(
            nn.Conv2d(self.kd, self.kd, 7, padding=3, groups=self.kd, bias=False),
            nn.BatchNorm2d(self.kd))
        d = dim // heads
        self.vconvs = nn.ModuleList(
            [nn.Conv2d(d, d, ks, padding=ks // 2, groups=d) for ks in (1, 3, 5, 7)[:heads]])
        self.bias_table = nn.Parameter(0.5 * torch.randn(win * win))
        self.register_buffer("bias_idx", offsets_index(win, win).flatten())
        self.proj = nn.Sequential(nn.Conv2d(dim, dim, 1, bias=False), nn.BatchNorm2d(dim))

    def forward(self, w):
        n = self.win * self.win
        qk = self.qk(w)
        q = self.qdw(qk[:, :self.kd]).flatten(2)
        k = qk[:, self.kd:].flatten(2)
        bias = self.bias_table.index_select(0, self.bias_idx).view(n, n)
        if self.bias_before_scale:
            logits = (q.transpose(-2, -1) @ k + bias) * self.kd ** -0.5
        else:
            logits = (q.transpose(-2, -1) @ k) * self.kd ** -0.5 + bias
        a = F.softmax(logits, dim=-1)
        v = w.reshape(-1, self.heads, self.dim // self.heads, self.win, self.win)
        o = torch.cat([torch.matmul(conv(v[:, i]).flatten(2), a.transpose(-2, -1))
                       for i, conv in enumerate(self.vconvs)], 1)
        return self.proj(F.relu(o.view(-1, self.dim, self.win, self.win)))


class PaddedWindowReuse(nn.Module):
    """10x10 map padded (bottom/right) to 14x14, partitioned into 4 windows of
    7x7 by view/permute/reshape, attention per window, merged back and
    cropped; residual around the whole.  bias_before_scale=False gives the
    same layer with scale * q^T k + bias (isolates that one difference)."""

    def __init__(self, dim=32, heads=4, win=7, hw=(10, 10), bias_before_scale=True):
        super().__init__()
        self.win, self.hw = win, hw
        self.core = _WindowCore(dim, heads, win, bias_before_scale)

    def forward(self, x):
        B, C = x.shape[0], x.shape[1]
        H, W = self.hw
        r = self.win
        ph, pw = (-H) % r, (-W) % r
        hp, wp = H + ph, W + pw
        nh, nw = hp // r, wp // r
        xp = F.pad(x, (0, pw, 0, ph))
        wins = xp.view(B, C, nh, r, nw, r).permute(0, 2, 4, 1, 3, 5).reshape(B * nh * nw, C, r, r)
        y = self.core(wins)
        y = y.view(B, nh, nw, C, r, r).permute(0, 3, 1, 4, 2, 5).reshape(B, C, hp, wp)
        return x + y[:, :, :H, :W]


class BroadcastHeadsReuse(nn.Module):
    """Batch 2.  A computed once in [B, N, M]; values stacked as [B, h, N, d];
    one matmul with A.unsqueeze(1) broadcast over the heads.  Bias by 1-D
    tensor indexing table[idx], added after the scale; torch.softmax.
    explicit_expand=True expands A to [B, h, N, M] before the matmul (no
    implicit batch broadcast in the MatMul)."""

    def __init__(self, dim=64, heads=4, res=7, explicit_expand=False):
        super().__init__()
        self.dim, self.h, self.res = dim, heads, res
        self.explicit_expand = explicit_expand
        kd = dim // 4
        self.kd = kd
        self.qk_conv = nn.Conv2d(dim, 2 * kd, 1, bias=False)
        self.qk_bn = nn.BatchNorm2d(2 * kd)
        self.q_conv = nn.Conv2d(kd, kd, 7, 1, 3, groups=kd, bias=False)
        self.q_bn = nn.BatchNorm2d(kd)
        d = dim // heads
        self.v_convs = nn.ModuleList([nn.Conv2d(d, d, ks, 1, ks // 2, groups=d) for ks in (1, 3, 5, 7)])
        self.table = nn.Parameter(torch.randn(res * res) * 0.3)
        self.register_buffer("idx", offsets_index(res, res))
        self.o_conv = nn.Conv2d(dim, dim, 1, bias=False)
        self.o_bn = nn.BatchNorm2d(dim)

    def forward(self, x):
        n = self.res * self.res
        B = x.shape[0]
        qk = self.qk_bn(self.qk_conv(x))
        q = self.q_bn(self.q_conv(qk[:, :self.kd]))
        q = q.reshape(B, self.kd, n).permute(0, 2, 1)         # [B, N, kd]
        k = qk[:, self.kd:].reshape(B, self.kd, n)            # [B, kd, M]
        a = torch.softmax(torch.matmul(q, k) * 0.25 + self.table[self.idx], -1)  # [B, N, M]
        chunks = x.chunk(self.h, 1)
        v = torch.stack([cv(c) for cv, c in zip(self.v_convs, chunks)], 1)       # [B,h,d,H,W]
        v = v.reshape(B, self.h, self.dim // self.h, n).transpose(-1, -2)      # [B,h,M,d]
        a4 = a.unsqueeze(1)                                                    # [B,1,N,M]
        if self.explicit_expand:
            a4 = a4.expand(B, self.h, n, n)                                    # [B,h,N,M]
        o = torch.matmul(a4, v)                                                # [B,h,N,d]
        o = o.permute(0, 1, 3, 2).reshape(B, self.dim, self.res, self.res)
        return x + self.o_bn(self.o_conv(F.relu(o)))


def _summed_heads_forward(self, x):
    # functional forward bound as a method below
    B, C, H, W = x.shape
    d, kd = self.d, self.kd
    qk = self.qkv(x)
    q_t = self.qdw(qk[:, :kd]).flatten(2).transpose(1, 2)   # [B, N, kd]
    k_t = qk[:, kd:].flatten(2).transpose(1, 2)             # [B, M, kd]
    a = torch.matmul(q_t, k_t.transpose(1, 2)).mul(0.25).softmax(dim=-1)
    acc = None
    for i in range(self.nh):
        v_t = self.vdw[i](x[:, i * d:(i + 1) * d]).flatten(2).transpose(1, 2)  # [B, M, d]
        o_i = torch.matmul(a, v_t).transpose(1, 2).reshape(B, d, H, W)
        term = self.head_out[i](F.relu(o_i))
        acc = term if acc is None else acc + term
    return x + self.out_bn(acc)


class SummedHeadsReuse(nn.Module):
    """Per-head results consumed separately: ReLU(O_i) -> its own 1x1 conv
    (d -> C) and the results SUMMED (the same as concat -> ReLU -> conv).
    Token-major products via x.flatten(2).transpose(1, 2), no bias, scale
    via .mul(0.25)."""

    forward = _summed_heads_forward

    def __init__(self, dim=32, heads=4):
        super().__init__()
        self.nh, self.d, self.kd = heads, dim // heads, dim // 4
        self.qkv = nn.Sequential(nn.Conv2d(dim, dim // 2, 1, bias=False), nn.BatchNorm2d(dim // 2))
        self.qdw = nn.Sequential(nn.Conv2d(self.kd, self.kd, 3, padding=1, groups=self.kd, bias=False),
                                 nn.BatchNorm2d(self.kd))
        self.vdw = nn.ModuleList([nn.Conv2d(self.d, self.d, ks, padding=ks // 2, groups=self.d)
                                  for ks in (1, 3, 5, 7)])
        self.head_out = nn.ModuleList([nn.Conv2d(self.d, dim, 1, bias=(i == 0)) for i in range(heads)])
        self.out_bn = nn.BatchNorm2d(dim)


class ThreeHeadBmmReuse(nn.Module):
    """3 heads.  A expanded over the heads and flattened into the batch of one
    torch.bmm ([B*h, d, M] x [B*h, M, N]); bias gathered by table[idx] and
    added BEFORE the scale; scale as Div by sqrt(kd)."""

    def __init__(self):
        super().__init__()
        self.C, self.h, self.r = 48, 3, 7
        self.kd = self.C // 4
        self.hd = self.C // self.h
        self.qk = nn.Conv2d(self.C, 2 * self.kd, kernel_size=1)
        self.qk_norm = nn.BatchNorm2d(2 * self.kd)
        self.q_mix = nn.Conv2d(self.kd, self.kd, kernel_size=3, padding=1, groups=self.kd)
        self.v_mix = nn.ModuleList(
            [nn.Conv2d(self.hd, self.hd, kernel_size=ks, padding=ks // 2, groups=self.hd)
             for ks in (3, 5, 7)])
        self.rpb = nn.Parameter(torch.randn(self.r * self.r) * 0.5)
        self.register_buffer("rpi", offsets_index(self.r, self.r))
        self.out = nn.Sequential(nn.ReLU(inplace=False), nn.Conv2d(self.C, self.C, 1),
                                 nn.BatchNorm2d(self.C))

    def forward(self, x):
        B = x.shape[0]
        N = self.r * self.r
        t = self.qk_norm(self.qk(x))
        q = self.q_mix(t.narrow(1, 0, self.kd)).reshape(B, self.kd, N)
        k = t.narrow(1, self.kd, self.kd).reshape(B, self.kd, N)
        s = torch.bmm(q.permute(0, 2, 1), k)
        a = F.softmax((s + self.rpb[self.rpi]) / math.sqrt(self.kd), dim=2)    # [B, N, M]
        xv = x.reshape(B, self.h, self.hd, self.r, self.r).permute(1, 0, 2, 3, 4)
        v = torch.stack([m(xv[i]) for i, m in enumerate(self.v_mix)], dim=1)   # [B,h,d,r,r]
        v = v.reshape(B * self.h, self.hd, N)
        a_rep = a.unsqueeze(1).expand(B, self.h, N, N).reshape(B * self.h, N, N)
        o = torch.bmm(v, a_rep.transpose(1, 2))                               # [B*h, d, N]
        return x + self.out(o.view(B, self.C, self.r, self.r))


class FiveHeadTokenReuse(nn.Module):
    """5 heads, kernels 1,3,5,7,9, NCHW in and out but all products in token
    layout via flatten(2).transpose(1,2).  Bias via torch.gather on a
    batch-expanded table (after the scale), scale `* kd ** -0.5`.
    gather=False gathers the bias as table[:, idx] instead (Gather, not
    GatherElements)."""

    def __init__(self, dim=40, heads=5, res=7, gather=True):
        super().__init__()
        self.res, self.heads = res, heads
        self.use_gather = gather
        self.kd = dim // 4
        self.hd = dim // heads
        self.q_proj = nn.Sequential(nn.Conv2d(dim, self.kd, 1, bias=False), nn.BatchNorm2d(self.kd),
                                    nn.Conv2d(self.kd, self.kd, 5, padding=2, groups=self.kd, bias=False),
                                    nn.BatchNorm2d(self.kd))
        self.k_proj = nn.Sequential(nn.Conv2d(dim, self.kd, 1, bias=False), nn.BatchNorm2d(self.kd))
        self.values = nn.ModuleList(
            [nn.Conv2d(self.hd, self.hd, 2 * i + 1, padding=i, groups=self.hd) for i in range(heads)])
        self.table = nn.Parameter(torch.randn(1, res * res) * 0.5)
        self.register_buffer("index", offsets_index(res, res).unsqueeze(0))
        self.fuse = nn.Sequential(nn.ReLU(), nn.Conv2d(dim, dim, 1, bias=False), nn.BatchNorm2d(dim))

    def forward(self, x):
        b, c, hh, ww = x.shape
        n = self.res * self.res
        q = self.q_proj(x).flatten(2).transpose(1, 2)          # [b, N, kd]
        k = self.k_proj(x).flatten(2).transpose(1, 2)          # [b, M, kd]
        if self.use_gather:
            bias = torch.gather(self.table.unsqueeze(1).expand(1, n, n), 2, self.index)  # [1, N, M]
        else:
            bias = self.table[:, self.index[0]]                                          # [1, N, M]
        a = (q @ k.transpose(1, 2) * self.kd ** -0.5 + bias).softmax(-1)
        pieces = torch.split(x, self.hd, dim=1)
        outs = [a @ conv(p).flatten(2).transpose(1, 2) for conv, p in zip(self.values, pieces)]
        o = torch.cat(outs, dim=2).transpose(1, 2).reshape(b, c, hh, ww)
        return x + self.fuse(o)


class TransposedLogitsReuse(nn.Module):
    """Scores built transposed (keys x queries) with einsum, scaled and
    biased in that layout, transposed back, then softmax on the last axis.
    Values by tensor slicing in a loop, softmax as the .softmax(-1) method."""

    def __init__(self, dim=64, heads=4, res=7):
        super().__init__()
        self.dim, self.heads, self.res = dim, heads, res
        kd = dim // 4
        self.kd = kd
        self.to_q = nn.Sequential(nn.Conv2d(dim, kd, 1, bias=False), nn.BatchNorm2d(kd),
                                  nn.Conv2d(kd, kd, 7, padding=3, groups=kd, bias=False),
                                  nn.BatchNorm2d(kd))
        self.to_k = nn.Sequential(nn.Conv2d(dim, kd, 1, bias=False), nn.BatchNorm2d(kd))
        d = dim // heads
        self.head_convs = nn.ModuleList(
            [nn.Conv2d(d, d, ks, padding=ks // 2, groups=d) for ks in (7, 5, 3, 1)])
        self.bias = nn.Parameter(0.4 * torch.randn(1, res * res))
        self.register_buffer("bias_index", offsets_index(res, res))
        self.proj = nn.Sequential(nn.ReLU(), nn.Conv2d(dim, dim, 1, bias=False), nn.BatchNorm2d(dim))

    def forward(self, x):
        b = x.shape[0]
        q = self.to_q(x).flatten(2)
        k = self.to_k(x).flatten(2)
        st = torch.einsum("bcm,bcn->bmn", k, q)                    # [b, M, N]
        bias_t = self.bias[:, self.bias_index].transpose(-1, -2)   # [1, M, N]
        st = st * 0.25 + bias_t
        a = st.transpose(1, 2).softmax(-1)                         # [b, N, M]
        d = self.dim // self.heads
        outs = []
        for i in range(self.heads):
            v = self.head_convs[i](x[:, i * d:(i + 1) * d]).flatten(2)  # [b, d, M]
            outs.append(v @ a.transpose(1, 2))
        o = torch.cat(outs, 1).reshape(b, self.dim, self.res, self.res)
        return x + self.proj(o)


class RecomputedPerHeadReuse(nn.Module):
    """Each head recomputes softmax(0.25 q^T k + bias) from the SAME q and k
    inside the loop (identical expressions; one matrix after CSE)."""

    def __init__(self, dim=32, heads=4, res=7):
        super().__init__()
        self.heads, self.res = heads, res
        kd = dim // 4
        self.kd = kd
        self.qk = nn.Sequential(nn.Conv2d(dim, 2 * kd, 1, bias=False), nn.BatchNorm2d(2 * kd))
        self.q_dw = nn.Sequential(nn.Conv2d(kd, kd, 3, padding=1, groups=kd, bias=False),
                                  nn.BatchNorm2d(kd))
        d = dim // heads
        self.vs = nn.ModuleList([nn.Conv2d(d, d, ks, padding=ks // 2, groups=d) for ks in (1, 3, 5, 7)])
        self.tab = nn.Parameter(torch.randn(1, res * res) * 0.5)
        self.register_buffer("tab_idx", offsets_index(res, res))
        self.proj = nn.Sequential(nn.ReLU(), nn.Conv2d(dim, dim, 1, bias=False), nn.BatchNorm2d(dim))

    def forward(self, x):
        B, C, H, W = x.shape
        qk = self.qk(x)
        q, k = qk.split(self.kd, dim=1)
        q = self.q_dw(q)
        outs = []
        for i, (conv, xi) in enumerate(zip(self.vs, x.chunk(self.heads, 1))):
            logits = q.flatten(2).transpose(1, 2) @ k.flatten(2)
            a = F.softmax(logits * 0.25 + self.tab[:, self.tab_idx], dim=-1)
            outs.append(conv(xi).flatten(2) @ a.transpose(1, 2))
        return x + self.proj(torch.cat(outs, 1).reshape(B, C, H, W))


# ==========================================================================
# Whole network: a UniForm-m0-like classifier, nn.Sequential heavy
# ==========================================================================

class Residual(nn.Module):
    def __init__(self, *body):
        super().__init__()
        self.body = body[0] if len(body) == 1 else nn.Sequential(*body)

    def forward(self, x):
        return x + self.body(x)


def conv_bn(cin, cout, k=1, stride=1, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout))


class SqueezeExcite(nn.Module):
    def __init__(self, ch, ratio=4):
        super().__init__()
        self.gate = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(ch, ch // ratio, 1), nn.ReLU(),
                                  nn.Conv2d(ch // ratio, ch, 1), nn.Sigmoid())

    def forward(self, x):
        return x * self.gate(x)


class ReuseMixer(nn.Module):
    """Reuse Attention (without the residual) for the network; windows of 7
    when the map is larger.  Logits via torch.baddbmm(bias, q^T, k,
    alpha=scale) = bias + scale * q^T k."""

    def __init__(self, dim, res, heads=4, win=7):
        super().__init__()
        self.dim, self.res, self.heads = dim, res, heads
        self.win = min(win, res)
        self.kd = dim // 4
        qk_kernel = 7 if self.win >= 7 else 5
        self.qk = conv_bn(dim, 2 * self.kd)
        self.q_dw = conv_bn(self.kd, self.kd, qk_kernel, groups=self.kd)
        d = dim // heads
        self.v_dw = nn.ModuleList([nn.Conv2d(d, d, ks, 1, ks // 2, groups=d) for ks in (1, 3, 5, 7)])
        self.rel = nn.Parameter(0.3 * torch.randn(self.win * self.win))
        self.register_buffer("rel_idx", offsets_index(self.win, self.win))
        self.proj = nn.Sequential(nn.ReLU(), conv_bn(dim, dim))

    def attend(self, w):
        bw = w.shape[0]
        n = self.win * self.win
        q, k = torch.split(self.qk(w), self.kd, dim=1)
        q = self.q_dw(q).reshape(bw, self.kd, n)
        k = k.reshape(bw, self.kd, n)
        bias = self.rel[self.rel_idx].unsqueeze(0).expand(bw, n, n)
        a = torch.baddbmm(bias, q.transpose(1, 2), k, alpha=0.25).softmax(-1)
        d = self.dim // self.heads
        heads = [torch.bmm(conv(w[:, i * d:(i + 1) * d]).reshape(bw, d, n), a.transpose(1, 2))
                 for i, conv in enumerate(self.v_dw)]
        return self.proj(torch.cat(heads, 1).reshape(bw, self.dim, self.win, self.win))

    def forward(self, x):
        if self.res <= self.win:
            return self.attend(x)
        r, w = self.res, self.win
        p = (-r) % w
        m = (r + p) // w
        B = x.shape[0]
        xp = F.pad(x, (0, p, 0, p)) if p else x
        wins = xp.reshape(B, self.dim, m, w, m, w).permute(0, 2, 4, 1, 3, 5).reshape(-1, self.dim, w, w)
        y = self.attend(wins)
        y = y.reshape(B, m, m, self.dim, w, w).permute(0, 3, 1, 4, 2, 5).reshape(B, self.dim, m * w, m * w)
        return y[:, :, :r, :r] if p else y


def ffn(dim, ratio=2):
    return nn.Sequential(conv_bn(dim, dim * ratio), nn.ReLU(), conv_bn(dim * ratio, dim))


def uniform_block(dim, res):
    return nn.Sequential(
        Residual(conv_bn(dim, dim, 3, groups=dim)),
        Residual(ffn(dim)),
        Residual(ReuseMixer(dim, res)),
        Residual(conv_bn(dim, dim, 3, groups=dim)),
        Residual(ffn(dim)),
    )


def patch_merge(cin, cout):
    hid = cin * 4
    return nn.Sequential(conv_bn(cin, hid), nn.ReLU(),
                         conv_bn(hid, hid, 3, stride=2, groups=hid), nn.ReLU(),
                         SqueezeExcite(hid, 4),
                         conv_bn(hid, cout))


def uniform_m0_like(num_classes=1000):
    dims, depths, sizes = (64, 128, 192), (1, 2, 3), (14, 7, 4)
    stem = []
    for cin, cout in zip((3, 8, 16, 32), (8, 16, 32, 64)):
        stem += [conv_bn(cin, cout, 3, stride=2), nn.ReLU()]
    layers = [nn.Sequential(*stem)]
    for s, (dim, depth, res) in enumerate(zip(dims, depths, sizes)):
        if s:
            layers.append(patch_merge(dims[s - 1], dim))
        layers += [uniform_block(dim, res) for _ in range(depth)]
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(1), nn.BatchNorm1d(dims[-1]),
               nn.Linear(dims[-1], num_classes)]
    return nn.Sequential(*layers)


# ==========================================================================
# Negatives
# ==========================================================================

class ViTSelfAttention(nn.Module):
    """Standard ViT MHSA on tokens [B, N, C]: qkv Linear,
    reshape(B, N, 3, h, d).permute(2, 0, 3, 1, 4), per-head q and k."""

    def __init__(self, dim=64, heads=4):
        super().__init__()
        self.h = heads
        self.dh = dim // heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.h, self.dh).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q @ k.transpose(-2, -1)) * self.dh ** -0.5
        attn = attn.softmax(dim=-1)
        out = (attn @ v).transpose(1, 2).reshape(B, N, C)
        return x + self.proj(out)


class GroupedQueryAttention(nn.Module):
    """4 query heads over 2 key/value groups (each kv group serves 2 query
    heads); k and v expanded to 4 heads by expand + reshape.  Every query
    head still has its own matrix."""

    def __init__(self, dim=64, q_heads=4, kv_heads=2):
        super().__init__()
        self.hq, self.hkv, self.hd = q_heads, kv_heads, dim // q_heads
        self.wq = nn.Linear(dim, q_heads * self.hd, bias=False)
        self.wk = nn.Linear(dim, kv_heads * self.hd, bias=False)
        self.wv = nn.Linear(dim, kv_heads * self.hd, bias=False)
        self.wo = nn.Linear(q_heads * self.hd, dim, bias=False)

    def _spread(self, t, B, N):
        rep = self.hq // self.hkv
        t = t.view(B, N, self.hkv, self.hd).transpose(1, 2)             # [B, g, N, d]
        return t[:, :, None].expand(B, self.hkv, rep, N, self.hd).reshape(B, self.hq, N, self.hd)

    def forward(self, x):
        B, N, _ = x.shape
        q = self.wq(x).view(B, N, self.hq, self.hd).transpose(1, 2)
        k = self._spread(self.wk(x), B, N)
        v = self._spread(self.wv(x), B, N)
        s = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.hd)
        o = torch.matmul(F.softmax(s, dim=-1), v)
        return x + self.wo(o.transpose(1, 2).reshape(B, N, self.hq * self.hd))


class CascadedGroupAttention(nn.Module):
    """EfficientViT-style cascaded group attention: head i sees
    chunk_i + output of head i-1, has its own q/k/v conv projection, own
    depthwise on q and own bias table: 4 distinct matrices in sequence."""

    def __init__(self, dim=64, heads=4, key_dim=8, res=7):
        super().__init__()
        self.heads, self.key_dim, self.res = heads, key_dim, res
        self.d = dim // heads
        self.scale = key_dim ** -0.5
        self.to_qkv = nn.ModuleList([conv_bn(self.d, 2 * key_dim + self.d) for _ in range(heads)])
        self.q_local = nn.ModuleList([conv_bn(key_dim, key_dim, 5, groups=key_dim) for _ in range(heads)])
        self.head_bias = nn.Parameter(0.5 * torch.randn(heads, res * res))
        self.register_buffer("head_bias_idx", offsets_index(res, res))
        self.proj = nn.Sequential(nn.ReLU(), conv_bn(dim, dim))

    def forward(self, x):
        B, C, H, W = x.shape
        inputs = x.chunk(self.heads, dim=1)
        biases = self.head_bias[:, self.head_bias_idx]            # [h, N, N]
        outs, feat = [], inputs[0]
        for i in range(self.heads):
            if i > 0:
                feat = feat + inputs[i]
            q, k, v = self.to_qkv[i](feat).split([self.key_dim, self.key_dim, self.d], dim=1)
            q = self.q_local[i](q)
            q, k, v = q.flatten(2), k.flatten(2), v.flatten(2)
            attn = ((q.transpose(-2, -1) @ k) * self.scale + biases[i]).softmax(dim=-1)
            feat = (v @ attn.transpose(-2, -1)).view(B, self.d, H, W)
            outs.append(feat)
        return x + self.proj(torch.cat(outs, dim=1))


class PerHeadBiasTables(nn.Module):
    """UniForm-style shared q^T k, but each head adds its OWN bias table
    (tables[:, idx] -> [h, N, N]), so A_h differs per head.  Batch 2,
    written batched over heads: logits [B, h, N, N]."""

    def __init__(self, dim=64, heads=4, res=7):
        super().__init__()
        self.heads, self.kd = heads, dim // 4
        self.qk = conv_bn(dim, dim // 2)
        self.qdw = conv_bn(self.kd, self.kd, 7, groups=self.kd)
        d = dim // heads
        self.vdw = nn.ModuleList([nn.Conv2d(d, d, ks, padding=ks // 2, groups=d) for ks in (1, 3, 5, 7)])
        self.tables = nn.Parameter(torch.randn(heads, res * res))
        self.register_buffer("idx", offsets_index(res, res))
        self.proj = conv_bn(dim, dim)

    def forward(self, x):
        B, C, H, W = x.shape
        qk = self.qk(x)
        q = self.qdw(qk[:, :self.kd]).flatten(2)
        k = qk[:, self.kd:].flatten(2)
        shared = torch.matmul(q.transpose(1, 2), k).unsqueeze(1) * 0.25      # [B, 1, N, N]
        attn = (shared + self.tables[:, self.idx]).softmax(-1)               # [B, h, N, N]
        v = torch.stack([conv(c) for conv, c in zip(self.vdw, x.chunk(self.heads, 1))], 1).flatten(3)
        o = v @ attn.transpose(-1, -2)                                       # [B, h, d, N]
        return x + self.proj(o.reshape(B, C, H, W).relu())


class PerHeadScales(nn.Module):
    """UniForm-style heads in a loop, head i with scale 0.25 * (i + 1):
    same q, k and bias, different matrices."""

    def __init__(self, dim=32, heads=4, res=7):
        super().__init__()
        self.heads, self.kd = heads, dim // 4
        self.qk = conv_bn(dim, dim // 2)
        self.qdw = conv_bn(self.kd, self.kd, 7, groups=self.kd)
        d = dim // heads
        self.vdw = nn.ModuleList([nn.Conv2d(d, d, ks, padding=ks // 2, groups=d) for ks in (1, 3, 5, 7)])
        self.table = nn.Parameter(0.5 * torch.randn(1, res * res))
        self.register_buffer("idx", offsets_index(res, res))
        self.proj = nn.Sequential(nn.ReLU(), conv_bn(dim, dim))

    def forward(self, x):
        B, C, H, W = x.shape
        q, k = self.qk(x).chunk(2, 1)
        q = self.qdw(q).flatten(2)
        k = k.flatten(2)
        s = q.transpose(1, 2) @ k
        bias = self.table[:, self.idx]
        outs = []
        for i, (conv, xi) in enumerate(zip(self.vdw, x.chunk(self.heads, 1))):
            a = F.softmax(s * (0.25 * (i + 1)) + bias, dim=-1)
            outs.append(conv(xi).flatten(2) @ a.transpose(1, 2))
        return x + self.proj(torch.cat(outs, 1).view(B, C, H, W))


class PerHeadQueryConv(nn.Module):
    """Shared q/k projection and bias, but each head passes q through its own
    depthwise conv (kernels 1,3,5,7, own weights) before q^T k: one matrix per
    head."""

    def __init__(self, dim=32, heads=4, res=7):
        super().__init__()
        self.heads, self.kd = heads, dim // 4
        self.qk = conv_bn(dim, dim // 2)
        self.q_per_head = nn.ModuleList([conv_bn(self.kd, self.kd, ks, groups=self.kd) for ks in (1, 3, 5, 7)])
        d = dim // heads
        self.vdw = nn.ModuleList([nn.Conv2d(d, d, 3, padding=1, groups=d) for _ in range(heads)])
        self.table = nn.Parameter(0.5 * torch.randn(1, res * res))
        self.register_buffer("idx", offsets_index(res, res))
        self.proj = nn.Sequential(nn.ReLU(), conv_bn(dim, dim))

    def forward(self, x):
        B, C, H, W = x.shape
        q0, k = self.qk(x).chunk(2, 1)
        k = k.flatten(2)
        bias = self.table[:, self.idx]
        outs = []
        for qconv, vconv, xi in zip(self.q_per_head, self.vdw, x.chunk(self.heads, 1)):
            q = qconv(q0).flatten(2)
            a = F.softmax(q.transpose(1, 2) @ k * 0.25 + bias, dim=-1)
            outs.append(vconv(xi).flatten(2) @ a.transpose(1, 2))
        return x + self.proj(torch.cat(outs, 1).view(B, C, H, W))


# ==========================================================================
# Registry
# ==========================================================================

# name -> (builder, input shape, description)
MODELS = {
    "reuse_chunk_view": (ChunkViewReuse, (1, 64, 7, 7),
                         "canonical layer: chunk+view, matmul, Mul scale, table[:, idx] bias after scale"),
    "reuse_split_einsum_3h": (SplitEinsumReuse, (1, 48, 6, 6),
                              "3 heads, split, einsum, gather bias before Div scale, per-head 1x1 value convs"),
    "reuse_tokens_linear_5h": (TokenLinearReuse, (2, 49, 40),
                               "[B,N,C] tokens in/out, batch 2, 5 heads, nn.Linear, no bias, nn.Softmax"),
    "reuse_explicit_folded_scale": (ExplicitWeightReuse, (1, 32, 8, 8),
                                    "F.conv2d explicit weights, scale folded into q, bmm, softmax dim -2 "
                                    "on k^T q, [B,C,N] out"),
    "reuse_window_pad": (PaddedWindowReuse, (1, 32, 10, 10),
                         "10x10 padded to 14x14, 4 windows of 7x7, index_select bias BEFORE the scale"),
    "reuse_window_pad_scale_first": (functools.partial(PaddedWindowReuse, bias_before_scale=False),
                                     (1, 32, 10, 10),
                                     "reuse_window_pad with scale*q^T k + bias (isolates bias-before-scale)"),
    "reuse_broadcast_unsqueeze_b2": (BroadcastHeadsReuse, (2, 64, 7, 7),
                                     "batch 2, A [B,N,M] broadcast with unsqueeze(1) over V [B,h,N,d] "
                                     "in one matmul"),
    "reuse_broadcast_expand_b2": (functools.partial(BroadcastHeadsReuse, explicit_expand=True),
                                  (2, 64, 7, 7),
                                  "as reuse_broadcast_unsqueeze_b2 but A.unsqueeze(1).expand(B,h,N,M) "
                                  "(no implicit MatMul broadcast)"),
    "reuse_summed_heads": (SummedHeadsReuse, (1, 32, 7, 7),
                           "each head's O_i through its own 1x1 conv, results summed; token-major products"),
    "reuse_bmm_expand_3h": (ThreeHeadBmmReuse, (1, 48, 7, 7),
                            "3 heads, A expanded to [B*h,N,N] for one bmm, bias before Div-by-sqrt scale"),
    "reuse_tokens_gather_5h": (FiveHeadTokenReuse, (1, 40, 7, 7),
                               "5 heads (kernels 1..9), flatten(2).transpose(1,2) products, torch.gather bias"),
    "reuse_tokens_index_5h": (functools.partial(FiveHeadTokenReuse, gather=False), (1, 40, 7, 7),
                              "reuse_tokens_gather_5h with table[:, idx] (Gather) instead of torch.gather"),
    "reuse_transposed_logits": (TransposedLogitsReuse, (1, 64, 7, 7),
                                "scores built as k^T q (einsum), scaled+biased transposed, transposed back, "
                                "softmax(-1)"),
    "reuse_recomputed_per_head": (RecomputedPerHeadReuse, (1, 32, 7, 7),
                                  "the same softmax(q^T k) recomputed inside the per-head loop (CSE merges)"),
    "uniform_m0_like": (uniform_m0_like, (1, 3, 224, 224),
                        "whole UniForm-m0-like classifier, 224x224, 6 Reuse Attention layers, baddbmm logits"),
    "neg_vit_mhsa": (ViTSelfAttention, (1, 49, 64),
                     "ViT multi-head self-attention, qkv Linear + reshape/permute"),
    "neg_gqa": (GroupedQueryAttention, (1, 49, 64),
                "grouped-query attention, 4 query heads over 2 kv groups"),
    "neg_cascaded_group": (CascadedGroupAttention, (1, 64, 7, 7),
                           "EfficientViT cascaded group attention (head i input = chunk_i + out_{i-1})"),
    "neg_per_head_bias": (PerHeadBiasTables, (2, 64, 7, 7),
                          "shared q^T k but a distinct bias table per head, batched over heads"),
    "neg_per_head_scale": (PerHeadScales, (1, 32, 7, 7),
                           "shared q, k, bias; head i uses scale 0.25*(i+1), loop over heads"),
    "neg_per_head_query_conv": (PerHeadQueryConv, (1, 32, 7, 7),
                                "shared k, but q passes a different depthwise conv per head"),
}

# Expected ops after `--attn-raise --canonicalize --cse --attn-reuse-heads`:
#   "reuse":    heads of each attn.reuse with H > 1
#   "mha":      heads of each attn.mha with H > 1
#   "single":   number of single-head attention ops; the project may spell a
#               single-head attention as attn.mha or attn.reuse with H = 1
#   "matrices": distinct attention matrices per batch item and window, over
#               all layers (what the math has; a positive has one per layer)
# A negative must never produce an attn.reuse with H > 1 (that would apply
# one head's matrix to another head's values: a wrong result).
def _pos(*heads):
    return {"reuse": list(heads), "mha": [], "single": 0, "matrices": len(heads)}


EXPECTED = {
    "reuse_chunk_view": _pos(4),
    "reuse_split_einsum_3h": _pos(3),
    "reuse_tokens_linear_5h": _pos(5),
    "reuse_explicit_folded_scale": _pos(4),
    "reuse_window_pad": _pos(4),
    "reuse_window_pad_scale_first": _pos(4),
    "reuse_broadcast_unsqueeze_b2": _pos(4),
    "reuse_broadcast_expand_b2": _pos(4),
    "reuse_summed_heads": _pos(4),
    "reuse_bmm_expand_3h": _pos(3),
    "reuse_tokens_gather_5h": _pos(5),
    "reuse_tokens_index_5h": _pos(5),
    "reuse_transposed_logits": _pos(4),
    "reuse_recomputed_per_head": _pos(4),
    "uniform_m0_like": _pos(4, 4, 4, 4, 4, 4),
    "neg_vit_mhsa": {"reuse": [], "mha": [4], "single": 0, "matrices": 4},
    "neg_gqa": {"reuse": [], "mha": [4], "single": 0, "matrices": 4},
    "neg_cascaded_group": {"reuse": [], "mha": [], "single": 4, "matrices": 4},
    "neg_per_head_bias": {"reuse": [], "mha": [4], "single": 0, "matrices": 4},
    "neg_per_head_scale": {"reuse": [], "mha": [], "single": 4, "matrices": 4},
    "neg_per_head_query_conv": {"reuse": [], "mha": [], "single": 4, "matrices": 4},
}

assert set(MODELS) == set(EXPECTED)


def expectation_text(name):
    e = EXPECTED[name]
    parts = []
    if e["reuse"]:
        hs = sorted(set(e["reuse"]))
        if len(e["reuse"]) == 1:
            parts.append("1 attn.reuse with %d heads" % e["reuse"][0])
        elif len(hs) == 1:
            parts.append("%d attn.reuse with %d heads each" % (len(e["reuse"]), hs[0]))
        else:
            parts.append("attn.reuse with heads %s" % e["reuse"])
    if e["mha"]:
        if len(e["mha"]) == 1:
            parts.append("1 attn.mha with %d heads (each head its own matrix)" % e["mha"][0])
        else:
            parts.append("attn.mha with heads %s" % e["mha"])
    if e["single"]:
        parts.append("%d separate single-head attention ops (not mergeable)" % e["single"])
    return "; ".join(parts)


def parse_attention_ops(mlir_text):
    """[(mnemonic, heads)] of every attn.mha / attn.reuse in printed MLIR;
    heads is dimension 1 of the value type (rank 4)."""
    import re
    ops = []
    for line in mlir_text.splitlines():
        m = re.search(r"\battn\.(mha|reuse)\b", line)
        if not m or "->" not in line:
            continue
        types = re.findall(r"tensor<([^>]*)>", line.rsplit(" : ", 1)[-1])
        if len(types) < 3:
            continue
        dims = types[2].split("x")
        heads = int(dims[1]) if len(dims) >= 5 and dims[1].isdigit() else 1
        ops.append((m.group(1), heads))
    return ops


def verify(name, ops):
    """Compare parsed ops with EXPECTED[name].  Returns (status, message):
    'exact' (as expected), 'missed' (fewer/different ops but no wrong merge),
    or 'WRONG' (an attn.reuse with H > 1 where the math has per-head
    matrices, or more heads merged than a layer has)."""
    e = EXPECTED[name]
    reuse = sorted(h for op, h in ops if op == "reuse" and h > 1)
    mha = sorted(h for op, h in ops if op == "mha" and h > 1)
    single = sum(1 for _, h in ops if h == 1)
    got = "reuse=%s mha=%s single=%d" % (reuse, mha, single)
    want = "reuse=%s mha=%s single=%d" % (sorted(e["reuse"]), sorted(e["mha"]), e["single"])
    if reuse and not e["reuse"]:
        return "WRONG", "got %s, want %s (heads with distinct matrices merged)" % (got, want)
    if reuse and max(reuse) > max(e["reuse"]):
        return "WRONG", "got %s, want %s (more heads merged than a layer has)" % (got, want)
    if (reuse, mha, single) == (sorted(e["reuse"]), sorted(e["mha"]), e["single"]):
        return "exact", got
    # Heads folded into the value width (one attn.reuse of one head over all
    # heads' channels, as a single einsum over [B, h*d, M] gives) compute the
    # same single matrix per layer.
    if e["reuse"] and not mha and not e["mha"] and not reuse and \
            single == len(e["reuse"]) and all(op == "reuse" for op, _ in ops):
        return "exact", got + " (heads folded into the value width)"
    return "missed", "got %s, want %s" % (got, want)


def randomize_batchnorm(model):
    """Non-trivial running statistics and affine parameters for every BN."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.6, 1.4)
                m.bias.uniform_(-0.2, 0.2)


def build(name):
    builder, shape, _ = MODELS[name]
    torch.manual_seed(0)
    model = builder()
    randomize_batchnorm(model)
    model.eval()
    gen = torch.Generator().manual_seed(1234)
    x = torch.randn(*shape, generator=gen)
    return model, x


def export(name, out_path, check_dir=None):
    import onnx

    model, x = build(name)
    with torch.no_grad():
        y = model(x)
        torch.onnx.export(model, (x,), out_path, opset_version=17, do_constant_folding=True,
                          input_names=["x"], output_names=["y"])
    onnx.checker.check_model(onnx.load(out_path))
    if not torch.isfinite(y).all():
        raise RuntimeError("%s: non-finite reference output" % name)
    if check_dir:
        os.makedirs(check_dir, exist_ok=True)
        np.save(os.path.join(check_dir, "in0.npy"), x.numpy().astype(np.float32))
        np.save(os.path.join(check_dir, "ref.npy"), y.numpy().astype(np.float32))
    return y


def raise_with_tools(bin_dir, onnx_path, work_prefix):
    """Import with uniform-translate and raise with uniform-opt; returns
    (ops, error_text)."""
    import subprocess
    mlir, raised = work_prefix + ".mlir", work_prefix + ".attn.mlir"
    r = subprocess.run([os.path.join(bin_dir, "uniform-translate"), "--import-onnx", onnx_path, "-o", mlir],
                       capture_output=True, text=True)
    if r.returncode:
        return None, "import: " + r.stderr.strip()
    r = subprocess.run([os.path.join(bin_dir, "uniform-opt"), mlir, "--attn-raise", "--canonicalize", "--cse",
                        "--attn-reuse-heads", "-o", raised], capture_output=True, text=True)
    if r.returncode:
        return None, "uniform-opt: " + r.stderr.strip()
    with open(raised) as f:
        return parse_attention_ops(f.read()), ""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("name", nargs="?", help="model name (see --list)")
    ap.add_argument("out", nargs="?", help="output .onnx path")
    ap.add_argument("--check", metavar="DIR", help="write DIR/in0.npy and DIR/ref.npy")
    ap.add_argument("--list", action="store_true", help="print names, descriptions, expectations")
    ap.add_argument("--all", metavar="DIR", help="export every model into DIR")
    ap.add_argument("--tools", metavar="BIN_DIR",
                    help="with --all: also import and raise each model with BIN_DIR/uniform-translate "
                         "and BIN_DIR/uniform-opt and compare with EXPECTED")
    ap.add_argument("--verify", metavar="RAISED.mlir",
                    help="compare the attn ops of RAISED.mlir with EXPECTED[NAME]; exit 1 on a wrong merge")
    args = ap.parse_args(argv)

    if args.list:
        for n, (_, shape, desc) in MODELS.items():
            print("%-30s %-14s %s\n%30s expected: %s" % (n, "x".join(map(str, shape)), desc, "",
                                                        expectation_text(n)))
        return 0
    if args.verify:
        if args.name not in MODELS:
            ap.error("--verify needs a model NAME")
        with open(args.verify) as f:
            status, msg = verify(args.name, parse_attention_ops(f.read()))
        print("%s: %s: %s" % (args.name, status, msg))
        return 1 if status == "WRONG" else 0
    if args.all:
        os.makedirs(args.all, exist_ok=True)
        total = time.time()
        wrong = 0
        for n in MODELS:
            t = time.time()
            path = os.path.join(args.all, n + ".onnx")
            export(n, path, os.path.join(args.all, n))
            line = "%-30s exported in %.2f s" % (n, time.time() - t)
            if args.tools:
                ops, err = raise_with_tools(args.tools, path, os.path.join(args.all, n))
                if ops is None:
                    line += "  FAILED %s" % err.splitlines()[0] if err else "  FAILED"
                else:
                    status, msg = verify(n, ops)
                    wrong += status == "WRONG"
                    line += "  %s: %s" % (status, msg)
            print(line, flush=True)
        print("all %d models in %.2f s" % (len(MODELS), time.time() - total))
        return 1 if wrong else 0
    if not args.name or not args.out:
        ap.error("NAME and OUT.onnx are required (or --list / --all DIR)")
    if args.name not in MODELS:
        ap.error("unknown model %r; --list shows the names" % args.name)
    export(args.name, args.out, args.check)
    return 0


if __name__ == "__main__":
    sys.exit(main())
