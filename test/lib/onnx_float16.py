#!/usr/bin/env python3
"""Converts an ONNX model to float16 the way onnxconverter-common's
convert_float_to_float16 does (keep_io_types=False), which is how users
prepare models for Orin: every FLOAT initializer, Constant and ConstantOfShape
value, graph input, output and value_info becomes FLOAT16, and Cast nodes to
FLOAT cast to FLOAT16. Ops on its default block list (here: Resize, Upsample,
Range, TopK, CumSum, Min, Max) stay in float32 between inserted Casts.
onnxconverter-common is not in Debian; this is its core transformation.

  onnx_float16.py IN.onnx OUT.onnx [--bfloat16]
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

BLOCKED = {"Resize", "Upsample", "Range", "TopK", "CumSum", "Min", "Max"}


def narrow_tensor(t, to):
    if t.data_type != TensorProto.FLOAT:
        return
    a = numpy_helper.to_array(t).astype(np.float32)
    if to == TensorProto.FLOAT16:
        new = numpy_helper.from_array(a.astype(np.float16), t.name)
    else:
        # bfloat16: the top 16 bits of the float32 pattern, rounded to
        # nearest even.
        bits = a.view(np.uint32)
        rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
        new = TensorProto()
        new.name = t.name
        new.data_type = TensorProto.BFLOAT16
        new.dims.extend(a.shape)
        new.raw_data = rounded.tobytes()
    t.CopyFrom(new)


def narrow_info(info, to):
    tt = info.type.tensor_type
    if tt.elem_type == TensorProto.FLOAT:
        tt.elem_type = to


def convert(model, to):
    g = model.graph
    for t in g.initializer:
        narrow_tensor(t, to)
    for info in list(g.input) + list(g.output) + list(g.value_info):
        narrow_info(info, to)
    nodes = []
    for n in g.node:
        for a in n.attribute:
            if a.type == onnx.AttributeProto.TENSOR:
                narrow_tensor(a.t, to)
            if n.op_type == "Cast" and a.name == "to" and a.i == TensorProto.FLOAT:
                a.i = to
        if n.op_type not in BLOCKED:
            nodes.append(n)
            continue
        # float32 inside: cast its float inputs up and its outputs down.
        ins, outs = [], []
        for i, name in enumerate(n.input):
            up = f"{name}_f32_{n.name}_{i}"
            nodes.append(helper.make_node("Cast", [name], [up], to=TensorProto.FLOAT))
            ins.append(up)
        for o in n.output:
            outs.append(o + "_f32")
        nodes.append(helper.make_node(n.op_type, ins, outs, name=n.name,
                                      **{a.name: helper.get_attribute_value(a)
                                         for a in n.attribute}))
        for o in n.output:
            nodes.append(helper.make_node("Cast", [o + "_f32"], [o], to=to))
    del g.node[:]
    g.node.extend(nodes)
    # value_info of the old types would contradict the casts.
    del g.value_info[:]
    return model


def main(argv):
    if len(argv) not in (3, 4):
        sys.stderr.write(__doc__)
        return 2
    to = TensorProto.BFLOAT16 if argv[3:] == ["--bfloat16"] else TensorProto.FLOAT16
    model = convert(onnx.load(argv[1]), to)
    onnx.save(model, argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
