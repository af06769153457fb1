#!/usr/bin/env python3
"""Exports integer tensors computed at run time, as heads write them with
torch, to ONNX at opset 17, with an input and PyTorch's outputs:

  y0  argmax over the classes of a segmentation map (int64 labels)
  y1  argmin with keepdim (int64)
  y2  floats cast to int64 (rounded toward zero, negatives too)
  y3  labels cast back to float and scaled; a mask (x > 0) cast to float
  y4  labels compared with constants (== 2, > 3) to select and mask

With --last, ArgMax and ArgMin with select_last_index=1 on ties, written
with onnx.helper (torch never sets it); the reference is numpy's.

  torch_argmax.py OUT.onnx DIR [--last]  also DIR/in0.npy, DIR/ref0.npy ...
"""
import sys

import numpy as np
import torch
from torch import nn

from torch_export import export_torch, save_graph


class Heads(nn.Module):
    def __init__(self):
        super().__init__()
        self.classes = nn.Conv2d(3, 5, 1)

    def forward(self, x):
        logits = self.classes(x)
        labels = logits.argmax(dim=1)
        coldest = logits.argmin(dim=3, keepdim=True)
        scaled = (x * 3).long()
        mixed = labels.float() / 10 + (x[:, 0] > 0).float()
        chosen = torch.where(labels == 2, x[:, 0], x[:, 1]) + (labels > 3).float()
        return labels, coldest, scaled, mixed, chosen


def last_index_model(out, outdir):
    from onnx import helper, TensorProto
    x = np.array([[1, 3, 3, 0], [2, 2, 0, 0], [5, 1, 5, 1]], np.float32)
    nodes = [helper.make_node("ArgMax", ["x"], ["y0"], axis=1, keepdims=0,
                              select_last_index=1, name="last_max"),
             helper.make_node("ArgMin", ["x"], ["y1"], axis=0, keepdims=1,
                              select_last_index=1, name="last_min")]
    save_graph(
        out, "last", nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 4])],
        [helper.make_tensor_value_info("y0", TensorProto.INT64, [3]),
         helper.make_tensor_value_info("y1", TensorProto.INT64, [1, 4])])
    np.save(f"{outdir}/in0.npy", x)
    np.save(f"{outdir}/ref0.npy", 3 - np.argmax(x[:, ::-1], axis=1))
    np.save(f"{outdir}/ref1.npy",
            (2 - np.argmin(x[::-1, :], axis=0))[None, :])
    return 0


def main(argv):
    if len(argv) == 4 and argv[3] == "--last":
        return last_index_model(argv[1], argv[2])
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    torch.manual_seed(0)
    model = Heads().eval()
    x = torch.randn(2, 3, 4, 6)
    export_torch(model, x, argv[1], argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
