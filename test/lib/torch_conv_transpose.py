#!/usr/bin/env python3
"""Exports transposed convolutions as decoders write them (torch.nn's
ConvTranspose2d and ConvTranspose1d) to ONNX at opset 17, with an input and
PyTorch's output: a U-Net up-step (kernel 2, stride 2), DCGAN's kernel 4,
stride 2, padding 1, a 3x3 stride-2 one with output_padding, one dilated,
one of 2 groups without a bias, one whose padding crops more than the
kernel reaches, asymmetric strides, and a 1-D one.

  torch_conv_transpose.py OUT.onnx DIR    also writes DIR/in0.npy, DIR/ref.npy
  torch_conv_transpose.py --output-shape OUT.onnx DIR
      a ConvTranspose that sets its extent by output_shape ([10, 9] from a
      5x5 input, stride 2: pads [1, 1] before and [0, 1] after), written
      with onnx.helper; the reference is PyTorch's with the pads and
      output_padding that ONNX's rule gives
"""
import sys

import numpy as np
import torch
from torch import nn

from torch_export import export_torch, save_graph


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose2d(6, 8, 2, stride=2)
        self.dcgan = nn.ConvTranspose2d(8, 6, 4, stride=2, padding=1)
        self.odd = nn.ConvTranspose2d(6, 4, 3, stride=2, padding=1,
                                      output_padding=1)
        self.dilated = nn.ConvTranspose2d(4, 4, 3, dilation=2, padding=1)
        self.grouped = nn.ConvTranspose2d(4, 6, 3, groups=2, bias=False)
        self.crop = nn.ConvTranspose2d(6, 3, 3, stride=3, padding=4)
        self.wide = nn.ConvTranspose2d(3, 2, (3, 2), stride=(1, 3),
                                       padding=(0, 1))
        self.line = nn.ConvTranspose1d(2, 3, 5, stride=2, padding=2,
                                       output_padding=1)

    def forward(self, x):
        y = torch.relu(self.up(x))
        y = torch.tanh(self.dcgan(y))
        y = self.odd(y)
        y = self.dilated(y)
        y = self.grouped(y)
        y = self.crop(y)
        y = self.wide(y)
        n, c, h, w = y.shape
        return self.line(y.reshape(n, c, h * w)[:, :2])


def output_shape_model(out, outdir):
    from onnx import helper, numpy_helper, TensorProto
    torch.manual_seed(0)
    x = torch.randn(1, 3, 5, 5)
    w = torch.randn(3, 2, 3, 3)
    b = torch.randn(2)
    # total padding = 2 * (5 - 1) + 3 - [10, 9] = [1, 2]; ONNX puts the odd
    # one first: pads [1, 1] before, [0, 1] after.
    y = torch.nn.functional.conv_transpose2d(x, w, b, stride=2, padding=1,
                                             output_padding=(1, 0))
    assert tuple(y.shape) == (1, 2, 10, 9)
    node = helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"],
                            strides=[2, 2], output_shape=[10, 9],
                            name="deconv")
    save_graph(
        out, "output_shape", [node],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 5, 5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 10, 9])],
        [numpy_helper.from_array(w.numpy(), "w"),
         numpy_helper.from_array(b.numpy(), "b")])
    np.save(f"{outdir}/in0.npy", x.numpy())
    np.save(f"{outdir}/ref.npy", y.numpy())
    return 0


def main(argv):
    if len(argv) == 4 and argv[1] == "--output-shape":
        return output_shape_model(argv[2], argv[3])
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    torch.manual_seed(0)
    model = Decoder().eval()
    x = torch.randn(2, 6, 3, 4)
    export_torch(model, x, argv[1], argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
