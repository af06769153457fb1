"""Small PyTorch layers whose products sum over one dimension, each written
from the math in the way a different user would write it: nn.Linear in a
token MLP, 1x1 nn.Conv2d with BatchNorm on an NCHW image, torch.einsum and
`x @ w.t()` with a bias parameter added apart, per-head weights applied by a
broadcast torch.matmul (40 tokens, and 37 in the odd variant), and a 1x1
nn.Conv1d with sigmoid gating. Around the products: LayerNorm, GELU,
BatchNorm, ReLU6, Hardswish, SiLU, residual adds, permutes. Exports the
layer NAME to ONNX (opset 17) and writes a random input and PyTorch's
output.

Usage: contraction_styles.py NAME OUT.onnx DIR
"""
import sys

import numpy as np
import torch
from torch import nn


class LinearMlp(nn.Module):
    """A transformer block's MLP half on [B, N, C] tokens."""

    def __init__(self, dim=96, hidden=384):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU(approximate="tanh")
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return x + self.fc2(self.act(self.fc1(self.norm(x))))


class Conv1x1Nchw(nn.Module):
    """An inverted bottleneck without the depthwise stage."""

    def __init__(self, channels=48, expanded=96):
        super().__init__()
        self.expand = nn.Conv2d(channels, expanded, 1, bias=False)
        self.bn = nn.BatchNorm2d(expanded)
        self.project = nn.Conv2d(expanded, channels, 1)

    def forward(self, x):
        y = nn.functional.relu6(self.bn(self.expand(x)))
        return nn.functional.hardswish(self.project(y) + x)


class EinsumProj(nn.Module):
    """Projections with raw weight parameters, as in ported JAX code."""

    def __init__(self, dim=80, hidden=128):
        super().__init__()
        self.w_in = nn.Parameter(torch.randn(hidden, dim) * dim ** -0.5)
        self.b_in = nn.Parameter(torch.randn(hidden) * 0.1)
        self.w = nn.Parameter(torch.randn(dim, hidden) * hidden ** -0.5)

    def forward(self, x):
        h = torch.einsum("bnc,dc->bnd", x, self.w_in) + self.b_in
        h = h * torch.sigmoid(h)  # SiLU, written out
        return h @ self.w.t()


class BatchedHeads(nn.Module):
    """A separate [head_dim, out] weight per head, then the heads merged."""

    def __init__(self, dim=64, heads=4, out=32):
        super().__init__()
        self.heads = heads
        self.weight = nn.Parameter(
            torch.randn(heads, dim // heads, out) * (dim // heads) ** -0.5)
        self.bias = nn.Parameter(torch.randn(heads * out) * 0.1)

    def forward(self, x):
        b, n, c = x.shape
        x = x.reshape(b, n, self.heads, c // self.heads).permute(0, 2, 1, 3)
        y = torch.matmul(x, self.weight)  # [b, heads, n, out]
        return y.permute(0, 2, 1, 3).reshape(b, n, -1) + self.bias


class Conv1dPointwise(nn.Module):
    """A pointwise 1-D convolution over a sequence, gated by its sigmoid."""

    def __init__(self, channels=72, out=72):
        super().__init__()
        self.conv = nn.Conv1d(channels, out, kernel_size=1)

    def forward(self, x):
        x = self.conv(x)
        return x * torch.sigmoid(x)


MODELS = {
    "linear_mlp": (LinearMlp, (1, 50, 96)),
    "conv1x1_nchw": (Conv1x1Nchw, (1, 48, 14, 14)),
    "einsum_proj": (EinsumProj, (1, 64, 80)),
    "batched_heads": (BatchedHeads, (1, 40, 64)),
    "batched_heads_odd": (BatchedHeads, (1, 37, 64)),
    "conv1d_pointwise": (Conv1dPointwise, (1, 72, 30)),
}


def main():
    name, onnx_path, out_dir = sys.argv[1], sys.argv[2], sys.argv[3]
    make, shape = MODELS[name]
    torch.manual_seed(sum(map(ord, name)))  # the odd variant's own values
    model = make()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):  # trained-looking statistics
            m.running_mean.copy_(torch.randn_like(m.running_mean) * 0.5)
            m.running_var.copy_(torch.rand_like(m.running_var) + 0.5)
            nn.init.normal_(m.weight, 1.0, 0.2)
            nn.init.normal_(m.bias, 0.0, 0.2)
    model.eval()
    x = torch.randn(*shape)
    # BatchNormalization kept in the graph (eval mode would fold it into the
    # convolution's weights), so that the compiler sees it.
    torch.onnx.export(model, (x,), onnx_path, opset_version=17,
                      training=torch.onnx.TrainingMode.PRESERVE)
    np.save(f"{out_dir}/in0.npy", x.numpy())
    with torch.no_grad():
        np.save(f"{out_dir}/ref.npy", model(x).numpy())


if __name__ == "__main__":
    main()
