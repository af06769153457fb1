#!/usr/bin/env python3
"""Exports the models of models.py to ONNX.

  /usr/bin/python3 examples/uniform/export.py MODEL OUT.onnx
      [--batch B] [--resolution R] [--dynamic-batch] [--check DIR]

MODEL                  what                                   default input
layer-global           residual Reuse Attention, C 64, 4 heads   2x64x7x7
layer-global-nobias    the same without the relative-position bias
layer-window           the layer per 7x7 window (4 windows)      2x64x14x14
layer-window-nobias    the same without the bias
vit-block              ViT block (LayerNorm, MHSA, GELU MLP)     2x64x7x7
efficientvit-block     residual cascaded group attention         2x64x7x7
m0, m1, m3, m5         the UniForm network, 1000 classes         1x3x224x224

--resolution is the side of the input map (the image for m0-m5). The layers
and blocks go per 7x7 window above 7, except layer-global*, which stays
global, and vit-block, which is always global. Eval mode, fixed seeds,
BatchNorm with non-trivial running statistics, opset 17, constant folding;
the graph's input is "x" and its output "y". --dynamic-batch exports their
batch axis as dynamic ("batch"), which the importer keeps dynamic. With
--check DIR it also writes DIR/in0.npy (the input) and DIR/ref.npy
(PyTorch's output).
"""
import argparse
import os
import sys
import warnings

import numpy as np
import torch

import models

LAYER_DIM, LAYER_HEADS = 64, 4

# name -> (builder(resolution), default batch, default resolution, channels in)
MODELS = {
    "layer-global": (lambda r: models.reuse_attention_layer(
        LAYER_DIM, LAYER_HEADS, r, window=None), 2, 7, LAYER_DIM),
    "layer-global-nobias": (lambda r: models.reuse_attention_layer(
        LAYER_DIM, LAYER_HEADS, r, window=None, bias=False), 2, 7, LAYER_DIM),
    "layer-window": (lambda r: models.reuse_attention_layer(
        LAYER_DIM, LAYER_HEADS, r), 2, 14, LAYER_DIM),
    "layer-window-nobias": (lambda r: models.reuse_attention_layer(
        LAYER_DIM, LAYER_HEADS, r, bias=False), 2, 14, LAYER_DIM),
    "vit-block": (lambda r: models.ViTBlock(LAYER_DIM, LAYER_HEADS), 2, 7, LAYER_DIM),
    "efficientvit-block": (lambda r: models.efficientvit_attention_layer(
        LAYER_DIM, LAYER_HEADS, r), 2, 7, LAYER_DIM),
}


def _uniform_builder(name):
    return lambda resolution: models.uniform(name, img_size=resolution)


MODELS.update({name: (_uniform_builder(name), 1, 224, 3) for name in models.VARIANTS})


def build(name, batch=None, resolution=None, seed=0):
    """(model in eval mode, example input) for MODEL `name`."""
    make, default_batch, default_resolution, channels = MODELS[name]
    batch = batch or default_batch
    resolution = resolution or default_resolution
    torch.manual_seed(seed)
    model = models.randomize_norm_statistics(make(resolution).eval())
    x = torch.randn(batch, channels, resolution, resolution)
    return model, x


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="models: " + ", ".join(MODELS))
    parser.add_argument("model", metavar="MODEL")
    parser.add_argument("output", metavar="OUT.onnx")
    parser.add_argument("--batch", type=int, help="batch size (default 2 for "
                        "layers and blocks, 1 for m0-m5)")
    parser.add_argument("--resolution", type=int, help="input side (default 7, "
                        "14 for layer-window*, 224 for m0-m5)")
    parser.add_argument("--dynamic-batch", action="store_true",
                        help="export the batch axis of x and y as dynamic "
                        "(\"batch\"), as torch.onnx.export's dynamic_axes does")
    parser.add_argument("--check", metavar="DIR",
                        help="write DIR/in0.npy and DIR/ref.npy")
    args = parser.parse_args(argv)
    if args.model not in MODELS:
        parser.error(f"unknown model '{args.model}'; expected one of: {', '.join(MODELS)}")
    if (args.batch is not None and args.batch < 1) or \
            (args.resolution is not None and args.resolution < 1):
        parser.error("--batch and --resolution must be positive")

    model, x = build(args.model, args.batch, args.resolution)
    with warnings.catch_warnings():
        # Shape-dependent Python branches (window or not) are meant to be
        # resolved at trace time.
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        # torch 1.13 notes this for the traced padding of windows; harmless.
        warnings.filterwarnings("ignore", "The shape inference of prim::Constant")
        dynamic = {"x": {0: "batch"}, "y": {0: "batch"}} if args.dynamic_batch else None
        torch.onnx.export(model, x, args.output, opset_version=17, input_names=["x"],
                          output_names=["y"], do_constant_folding=True,
                          dynamic_axes=dynamic)
    if args.check:
        os.makedirs(args.check, exist_ok=True)
        np.save(os.path.join(args.check, "in0.npy"), x.numpy())
        with torch.no_grad():
            np.save(os.path.join(args.check, "ref.npy"), model(x).numpy())
    return 0


if __name__ == "__main__":
    sys.exit(main())
