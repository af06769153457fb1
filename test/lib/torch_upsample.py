#!/usr/bin/env python3
"""Exports a small FPN-style network written with torch.nn: a top-down path
that upsamples the coarse map with F.interpolate (nearest, scale factor 2)
and nn.Upsample (nearest, to a size of 3x the input), adds the lateral
convolutions; with --bilinear the first upsampling is bilinear. ONNX opset
17, with an input and PyTorch's output.

  torch_upsample.py OUT.onnx DIR [--bilinear]
"""
import sys

import torch
import torch.nn.functional as F
from torch import nn

from torch_export import export_torch


class TopDown(nn.Module):
    def __init__(self, bilinear):
        super().__init__()
        self.bilinear = bilinear
        self.coarse = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.lateral = nn.Conv2d(3, 8, 1)
        self.up3 = nn.Upsample(size=(24, 24), mode="nearest")
        self.lateral3 = nn.Conv2d(8, 4, 1)

    def forward(self, x):
        c = self.coarse(x)
        mode = "bilinear" if self.bilinear else "nearest"
        up = F.interpolate(c, scale_factor=2, mode=mode)
        p = up + self.lateral(x)
        return self.up3(self.lateral3(p))


def main(argv):
    if len(argv) not in (3, 4):
        sys.stderr.write(__doc__)
        return 2
    torch.manual_seed(0)
    model = TopDown(argv[3:] == ["--bilinear"]).eval()
    x = torch.randn(1, 3, 8, 8)
    export_torch(model, x, argv[1], argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
