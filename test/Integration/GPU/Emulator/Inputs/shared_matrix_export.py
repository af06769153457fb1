"""Exports a layer that applies one attention matrix to every head's values
(Reuse Attention), written as plain torch.matmul and softmax calls rather
than in examples/uniform's style, with its input and PyTorch's output.

  shared_matrix_export.py HEADS N OUT_DIR  ->  OUT_DIR/{m.onnx,in0.npy,ref.npy}
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn


class SharedMatrix(nn.Module):
    def __init__(self, channels, heads, dk=32):
        super().__init__()
        self.q = nn.Linear(channels, dk)
        self.k = nn.Linear(channels, dk)
        self.v = nn.Linear(channels, channels)
        self.heads, self.scale = heads, dk ** -0.5

    def forward(self, x):
        a = torch.matmul(self.q(x), self.k(x).transpose(-1, -2)) * self.scale
        a = torch.softmax(a, dim=-1)
        b, n, c = x.shape
        v = self.v(x).reshape(b, n, self.heads, c // self.heads)
        o = torch.matmul(a.unsqueeze(1), v.permute(0, 2, 1, 3))
        return o.permute(0, 2, 1, 3).reshape(b, n, c)


def main():
    heads, n, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    torch.manual_seed(0)
    model = SharedMatrix(256, heads).eval()
    x = torch.randn(2, n, 256)
    with torch.no_grad():
        y = model(x)
    torch.onnx.export(model, (x,), os.path.join(out, "m.onnx"),
                      opset_version=17)
    np.save(os.path.join(out, "in0.npy"), x.numpy())
    np.save(os.path.join(out, "ref.npy"), y.numpy())


if __name__ == "__main__":
    main()
