"""The positives of the attention corpus (attention_corpus.py): UniForm
Reuse Attention layers, each written from the math in its own coding style;
every layer applies one attention matrix to all of its heads."""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


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
