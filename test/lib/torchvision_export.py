#!/usr/bin/env python3
"""Exports a torchvision architecture with random weights (seed 0, nothing
downloaded) to ONNX at opset 17, with a 224x224 input and PyTorch's output.

  torchvision_export.py NAME OUT.onnx DIR [--batch N] [--size S] [--dynamic-batch]
      NAME is a torchvision.models builder, or vit_tiny: VisionTransformer
      (vit_b_16's class) with 2 layers of 4 heads, 64 wide, patches of 8
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
    if name == "vit_tiny":
        # torchvision's VisionTransformer (vit_b_16's class) at a size the
        # suite can run: 2 layers of 4 heads, 64 wide, 32x32 images.
        model = torchvision.models.VisionTransformer(
            image_size=args.size, patch_size=8, num_layers=2, num_heads=4,
            hidden_dim=64, mlp_dim=128).eval()
        # torchvision zero-initializes the classifier head: every output
        # would be its zero bias, and a comparison would check nothing.
        torch.nn.init.normal_(model.heads.head.weight, std=0.2)
    else:
        model = getattr(torchvision.models, name)(weights=None).eval()
    # ConvNeXt scales each block's branch by a layer scale initialized to
    # 1e-6: the residual stream alone would make the output, and a
    # comparison would check no block. Trained models have scales near 1.
    for parameter_name, parameter in model.named_parameters():
        if parameter_name.endswith("layer_scale"):
            with torch.no_grad():
                parameter.uniform_(0.5, 1.5)
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
