#!/usr/bin/env python3
"""UniForm's Reuse Attention layer in PyTorch, written for this project from
the description in shared/docs/uniform-model.md (not the authors' code), and
its ONNX export.

  /usr/bin/python3 examples/uniform/uniform_layer.py OUT.onnx [--check DIR]

One layer at a 7x7 resolution (global attention, N = 49), C = 64 channels,
4 heads, with the relative-position bias. Eval mode (BatchNorm folds into
the convolutions), opset 17, fixed seeds. With --check DIR it also writes
DIR/in0.npy and PyTorch's output DIR/ref.npy.
"""
import itertools
import os
import sys

import numpy as np
import torch
from torch import nn


class ConvBN(nn.Sequential):
    def __init__(self, cin, cout, k=1, groups=1):
        super().__init__(nn.Conv2d(cin, cout, k, padding=k // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout))


class ReuseAttention(nn.Module):
    def __init__(self, dim=64, heads=4, resolution=7, key_dim=16):
        super().__init__()
        self.heads, self.qk = heads, dim // 4
        self.scale = key_dim ** -0.5
        self.to_qk = ConvBN(dim, dim // 2)
        self.q_dw = ConvBN(dim // 4, dim // 4, 7, groups=dim // 4)
        self.v_dw = nn.ModuleList(
            nn.Conv2d(dim // heads, dim // heads, k, padding=k // 2, groups=dim // heads)
            for k in [1, 3, 5, 7][:heads])
        self.proj = nn.Sequential(nn.ReLU(), ConvBN(dim, dim))
        points = list(itertools.product(range(resolution), range(resolution)))
        offsets, idxs = {}, []
        for p1 in points:
            for p2 in points:
                off = (abs(p1[0] - p2[0]), abs(p1[1] - p2[1]))
                offsets.setdefault(off, len(offsets))
                idxs.append(offsets[off])
        self.bias_table = nn.Parameter(torch.randn(1, len(offsets)) * 0.5)
        self.register_buffer("bias_idx", torch.tensor(idxs).view(len(points), len(points)),
                             persistent=False)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k = self.to_qk(x).chunk(2, dim=1)
        q = self.q_dw(q)
        q, k = q.flatten(2), k.flatten(2)                        # [B, C/4, N]
        attn = (q.transpose(-2, -1) @ k) * self.scale + self.bias_table[0][self.bias_idx]
        attn = attn.softmax(dim=-1)                              # one N x N matrix
        outs = []
        for i, v in enumerate(x.chunk(self.heads, dim=1)):
            v = self.v_dw[i](v).flatten(2)                       # [B, C/h, N]
            outs.append(v @ attn.transpose(-2, -1))
        o = torch.cat(outs, dim=1).view(b, c, h, w)
        return x + self.proj(o)


def main():
    torch.manual_seed(0)
    layer = ReuseAttention().eval()
    for m in layer.modules():  # non-trivial BatchNorm statistics
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
    x = torch.randn(2, 64, 7, 7)
    torch.onnx.export(layer, x, sys.argv[1], opset_version=17, input_names=["x"],
                      output_names=["y"], do_constant_folding=True)
    if len(sys.argv) > 3 and sys.argv[2] == "--check":
        d = sys.argv[3]
        np.save(os.path.join(d, "in0.npy"), x.numpy())
        with torch.no_grad():
            np.save(os.path.join(d, "ref.npy"), layer(x).numpy())
    return 0


if __name__ == "__main__":
    sys.exit(main())
