#!/usr/bin/env python3
"""Exports grouped convolutions, written with torch.nn.functional on
explicit weight tensors, to ONNX at opset 17, with an input and PyTorch's
output: many narrow groups (RegNet's and ResNeXt's style: 8 groups of 2
inputs and 3 outputs, with a bias; strided and dilated, without), 12 groups
of 4 with stride 2 and asymmetric extents, and 2 wide groups (AlexNet's
style).

  torch_grouped_conv.py OUT.onnx DIR    also writes DIR/in0.npy, DIR/ref.npy
"""
import sys

import torch
import torch.nn.functional as F

from torch_export import export_torch


class Grouped(torch.nn.Module):
    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(1)
        p = lambda *s: torch.nn.Parameter(torch.randn(*s, generator=g) * 0.3)
        self.w1, self.b1 = p(24, 2, 3, 3), p(24)      # 8 groups: 2 in, 3 out
        self.w2 = p(48, 3, 3, 3)                       # 8 groups: 3 in, 6 out
        self.w3, self.b3 = p(48, 4, 1, 1), p(48)       # 12 groups of 4
        self.w4, self.b4 = p(10, 24, 3, 3), p(10)      # 2 groups of 24 in

    def forward(self, x):
        y = F.relu(F.conv2d(x, self.w1, self.b1, padding=1, groups=8))
        y = F.conv2d(y, self.w2, None, stride=2, padding=2, dilation=2,
                     groups=8)
        y = F.conv2d(y, self.w3, self.b3, stride=2, groups=12)
        return F.conv2d(y, self.w4, self.b4, padding=(0, 1), groups=2)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    torch.manual_seed(0)
    model = Grouped().eval()
    x = torch.randn(2, 16, 13, 10)
    export_torch(model, x, argv[1], argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
