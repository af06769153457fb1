"""A PyTorch layer of the Reuse Attention kind, written for this test apart
from the examples and the attention corpus: one softmax(Q K^T) per image
applied to 12 heads of 128 values (H*Dv 1536) by broadcasting it over the
heads in one matmul, linear projections, 80 tokens (a stream: more than
the 64 keys of a window). Exports it to ONNX (opset 17) and writes a
random input and PyTorch's output. --heads H sets the head count (H*Dv =
128 H).

Usage: wide_reuse.py OUT.onnx DIR [--heads H]
"""
import sys

import numpy as np
import torch


class WideReuse(torch.nn.Module):
    def __init__(self, width=64, heads=12, head_dim=128, key_dim=64):
        super().__init__()
        self.query = torch.nn.Linear(width, key_dim)
        self.key = torch.nn.Linear(width, key_dim)
        self.value = torch.nn.Linear(width, heads * head_dim)
        self.out = torch.nn.Linear(heads * head_dim, width)
        self.heads, self.head_dim = heads, head_dim
        self.scale = key_dim ** -0.5

    def forward(self, x):
        b, n, _ = x.shape
        logits = (self.query(x) * self.scale) @ self.key(x).transpose(1, 2)
        attention = torch.softmax(logits, dim=-1)
        v = self.value(x).reshape(b, n, self.heads, self.head_dim)
        y = attention.unsqueeze(1) @ v.permute(0, 2, 1, 3)
        return self.out(y.permute(0, 2, 1, 3).reshape(b, n, -1))


def main():
    onnx_path, out_dir = sys.argv[1], sys.argv[2]
    heads = 12
    if len(sys.argv) == 5 and sys.argv[3] == "--heads":
        heads = int(sys.argv[4])
    elif len(sys.argv) != 3:
        sys.exit(__doc__)
    torch.manual_seed(7)
    model = WideReuse(heads=heads).eval()
    x = torch.randn(1, 80, 64)
    torch.onnx.export(model, (x,), onnx_path, opset_version=17)
    np.save(f"{out_dir}/in0.npy", x.numpy())
    with torch.no_grad():
        np.save(f"{out_dir}/ref.npy", model(x).numpy())


if __name__ == "__main__":
    main()
