#!/usr/bin/env python3
"""Exports a torchvision architecture with random weights (seed 0, nothing
downloaded) to ONNX at opset 17, with a 224x224 input and PyTorch's output.

  torchvision_export.py NAME OUT.onnx DIR    also writes DIR/in0.npy, DIR/ref.npy

Real architectures that nobody here wrote or tuned the compiler for.
"""
import sys

import numpy as np
import torch
import torchvision


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    name, out, outdir = argv[1:]
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None).eval()
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        y = model(x)
    torch.onnx.export(model, x, out, opset_version=17, input_names=["x"],
                      output_names=["y"])
    np.save(f"{outdir}/in0.npy", x.numpy())
    np.save(f"{outdir}/ref.npy", y.numpy())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
