"""What the test model scripts (test/lib/torch_*.py) share: exporting a
torch.nn.Module with its input and PyTorch's outputs, and saving a graph
written with onnx.helper.
"""
import numpy as np
import torch


def export_torch(model, x, out, outdir, opset=17):
    """Exports `model` at input `x` (named "x") to `out` at `opset`, and
    writes outdir/in0.npy and PyTorch's output: outdir/ref.npy (output "y"),
    or outdir/ref0.npy, ref1.npy, ... for a tuple (outputs "y0", "y1", ...).
    """
    with torch.no_grad():
        ys = model(x)
    several = isinstance(ys, tuple)
    names = [f"y{i}" for i in range(len(ys))] if several else ["y"]
    torch.onnx.export(model, x, out, opset_version=opset, input_names=["x"],
                      output_names=names)
    np.save(f"{outdir}/in0.npy", x.numpy())
    if not several:
        np.save(f"{outdir}/ref.npy", ys.numpy())
    for i, y in enumerate(ys if several else ()):
        np.save(f"{outdir}/ref{i}.npy", y.numpy())


def save_graph(out, name, nodes, inputs, outputs, initializers=(), opset=17):
    """Saves an onnx.helper graph as a model of the default domain at
    `opset`."""
    import onnx
    from onnx import helper
    graph = helper.make_graph(nodes, name, inputs, outputs,
                              list(initializers))
    onnx.save(helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset)]), out)
