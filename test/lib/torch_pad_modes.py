#!/usr/bin/env python3
"""Exports padding as image models write it (torch.nn's ReflectionPad2d and
ReplicationPad2d, F.pad with a constant value and with negative pads that
crop) to ONNX at opset 17, with an input and PyTorch's output; with --wrap,
two Pads of mode wrap (opset 19, written with onnx.helper), the second with
pads of both signs; the reference is numpy's pad in wrap mode, then the
crops of the negative pads (the spec's order: output element i is the
padded input's element i - pads_begin).

  torch_pad_modes.py OUT.onnx DIR [--wrap]   also DIR/in0.npy, DIR/ref.npy
"""
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from torch_export import export_torch, save_graph


class Padded(nn.Module):
    def __init__(self):
        super().__init__()
        self.reflect = nn.ReflectionPad2d((2, 1, 3, 0))
        self.conv = nn.Conv2d(3, 3, 3)
        self.replicate = nn.ReplicationPad2d(2)

    def forward(self, x):
        y = self.conv(self.reflect(x))
        y = self.replicate(torch.relu(y))
        y = F.pad(y, (1, 0, 0, 2), value=0.5)
        return F.pad(y, (-1, 2, -2, -1))


def wrap_model(out, outdir):
    from onnx import helper, numpy_helper, TensorProto
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 2, 4, 5)).astype(np.float32)
    pads = np.array([0, 0, 2, 3, 0, 0, 1, 4], dtype=np.int64)
    mixed = np.array([0, 0, 1, -3, 0, 0, -2, 2], dtype=np.int64)
    nodes = [helper.make_node("Pad", ["x", "pads"], ["p"], mode="wrap",
                              name="wrap"),
             helper.make_node("Pad", ["p", "mixed"], ["y"], mode="wrap",
                              name="wrap_mixed_signs")]
    save_graph(
        out, "wrap", nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                       [1, 2, 6, 11])],
        [numpy_helper.from_array(pads, "pads"),
         numpy_helper.from_array(mixed, "mixed")], opset=19)
    p = np.pad(x, [(0, 0), (0, 0), (2, 1), (3, 4)], mode="wrap")
    y = np.pad(p, [(0, 0), (0, 0), (1, 0), (0, 2)], mode="wrap")[:, :, :6, 3:]
    np.save(f"{outdir}/in0.npy", x)
    np.save(f"{outdir}/ref.npy", y)
    return 0


def main(argv):
    if len(argv) == 4 and argv[3] == "--wrap":
        return wrap_model(argv[1], argv[2])
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    torch.manual_seed(0)
    model = Padded().eval()
    x = torch.randn(2, 3, 6, 7)
    export_torch(model, x, argv[1], argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
