"""The negatives of the attention corpus (attention_corpus.py): multi-head
variants in which every head has its own attention matrix."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from attention_corpus_layers import offsets_index
from attention_corpus_network import conv_bn


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
