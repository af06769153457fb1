#!/usr/bin/env python3
"""Exports a 1-D convolutional network written with torch.nn (strided,
dilated depthwise and pointwise Conv1d, MaxPool1d, AvgPool1d) to ONNX at
opset 17, with an input and PyTorch's output.

  torch_conv1d.py OUT.onnx DIR    also writes DIR/in0.npy, DIR/ref.npy
"""
import sys

import torch
from torch import nn

from torch_export import export_torch


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv1d(4, 8, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv1d(8, 8, 5, padding=4, dilation=2, groups=8),
        nn.MaxPool1d(3, stride=2, padding=1),
        nn.Conv1d(8, 6, 1), nn.AvgPool1d(2)).eval()
    x = torch.randn(2, 4, 33)
    export_torch(model, x, argv[1], argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
