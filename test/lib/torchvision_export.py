#!/usr/bin/env python3
"""Exports a torchvision architecture with random weights (seed 0, nothing
downloaded) to ONNX at opset 17, with a 224x224 input and PyTorch's output.

  torchvision_export.py NAME OUT.onnx DIR [--batch N] [--size S] [--dynamic-batch]
      also writes DIR/in0.npy, DIR/ref.npy (batch N, default 1; S x S
      images, default 224); --dynamic-batch exports the batch axis of x
      and y as dynamic ("batch"), as torch.onnx.export's dynamic_axes does

Real architectures that nobody here wrote or tuned the compiler for.
"""
import argparse
import sys

import numpy as np
import torch
import torchvision


def main(argv):
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("name")
    parser.add_argument("out")
    parser.add_argument("outdir")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--dynamic-batch", action="store_true")
    args = parser.parse_args(argv[1:])
    name, out, outdir = args.name, args.out, args.outdir
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None).eval()
    x = torch.randn(args.batch, 3, args.size, args.size)
    with torch.no_grad():
        y = model(x)
    dynamic = {"x": {0: "batch"}, "y": {0: "batch"}} if args.dynamic_batch else None
    torch.onnx.export(model, x, out, opset_version=17, input_names=["x"],
                      output_names=["y"], dynamic_axes=dynamic)
    np.save(f"{outdir}/in0.npy", x.numpy())
    np.save(f"{outdir}/ref.npy", y.numpy())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
