#!/usr/bin/env python3
"""UniForm's Reuse Attention layer in PyTorch, written for this project from
the description in shared/docs/uniform-model.md (not the authors' code), and
its ONNX export. The layer itself lives in models.py; examples/uniform/export.py
exports it and the other models in more configurations.

  /usr/bin/python3 examples/uniform/uniform_layer.py OUT.onnx [--check DIR]

One layer at a 7x7 resolution (global attention, N = 49), C = 64 channels,
4 heads, with the relative-position bias. Eval mode (BatchNorm folds into
the convolutions), opset 17, fixed seeds. With --check DIR it also writes
DIR/in0.npy and PyTorch's output DIR/ref.npy.
"""
import os
import sys

import numpy as np
import torch

from models import ReuseAttention, Residual, randomize_norm_statistics


def main():
    torch.manual_seed(0)
    layer = Residual(ReuseAttention(dim=64, heads=4, resolution=7)).eval()
    randomize_norm_statistics(layer)  # non-trivial BatchNorm statistics
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
