#!/usr/bin/env python3
"""Exports the resizing that segmentation and detection heads write with
torch.nn.functional.interpolate, one output each, to ONNX at opset 17, with
an input and PyTorch's outputs:

  y0  bilinear x2, align_corners=False (DeepLab's and FPN's decoders)
  y1  bilinear to 11x9, align_corners=True
  y2  bilinear x0.5 (downsampling, no antialiasing)
  y3  nearest to 9x7 (not a whole factor)
  y4  bicubic x2
  y5  bilinear x1.5

  torch_resize.py OUT.onnx DIR    also writes DIR/in0.npy, DIR/ref0.npy ...
"""
import sys

import torch
import torch.nn.functional as F

from torch_export import export_torch


class Heads(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.logits = torch.nn.Conv2d(4, 3, 1)

    def forward(self, x):
        z = self.logits(x)
        return (
            F.interpolate(z, scale_factor=2, mode="bilinear",
                          align_corners=False),
            F.interpolate(z, size=(11, 9), mode="bilinear",
                          align_corners=True),
            F.interpolate(z, scale_factor=0.5, mode="bilinear",
                          align_corners=False),
            F.interpolate(z, size=(9, 7), mode="nearest"),
            F.interpolate(z, scale_factor=2, mode="bicubic",
                          align_corners=False),
            F.interpolate(z, scale_factor=1.5, mode="bilinear",
                          align_corners=False),
        )


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    torch.manual_seed(0)
    model = Heads().eval()
    x = torch.randn(2, 4, 6, 5)
    export_torch(model, x, argv[1], argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
