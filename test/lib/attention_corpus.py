#!/usr/bin/python3
"""A corpus of independently written PyTorch attention modules for the raiser.

Every module here was written from the math of the UniForm Reuse Attention
layer (arXiv 2412.02344) and of a few well-known multi-head variants, each in
its own coding style, so that `attn-raise` / `attn-reuse-heads` meet graphs
they were not written against.

The models live in attention_corpus_layers.py (positives),
attention_corpus_network.py (the whole network) and
attention_corpus_negatives.py; this file holds the registry, the
expectations and the command line.

Positives: all heads of a layer apply ONE attention matrix (per batch item
and window); the expected result after raising is one `attn.reuse` of H heads
per layer.  Negatives: each head keeps its own matrix; no `attn.reuse` with
more than one head may appear.

    /usr/bin/python3 test/lib/attention_corpus.py --list
    /usr/bin/python3 test/lib/attention_corpus.py NAME OUT.onnx [--check DIR]
    /usr/bin/python3 test/lib/attention_corpus.py --all DIR [--tools build/bin]
    /usr/bin/python3 test/lib/attention_corpus.py NAME --verify RAISED.mlir

`--check DIR` writes DIR/in0.npy (the seeded float32 input) and DIR/ref.npy
(PyTorch's output).  `--all DIR` exports every model to DIR/NAME.onnx with
DIR/NAME/{in0,ref}.npy and prints the time each took; with `--tools BIN` it
also imports and raises each one (uniform-translate --import-onnx, then
uniform-opt --attn-raise --canonicalize --cse --attn-reuse-heads) and
compares the attn ops with EXPECTED.  `--verify` does that comparison for
one already raised file (exit 1 only on a wrong merge).

EXPECTED is machine-readable: name -> {"reuse": [heads of each attn.reuse
with H > 1], "mha": [heads of each attn.mha with H > 1], "single": number of
single-head attention ops (spelled attn.mha or attn.reuse with H = 1),
"matrices": distinct attention matrices per batch item and window, summed
over the layers}.  Negatives written as one batched product over heads
expect one attn.mha of H heads; those written as a Python loop over heads
expect H separate single-head ops.
"""

import argparse
import functools
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

torch.set_num_threads(1)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attention_corpus_layers import (  # noqa: E402
    BroadcastHeadsReuse,
    ChunkViewReuse,
    ExplicitWeightReuse,
    FiveHeadTokenReuse,
    PaddedWindowReuse,
    RecomputedPerHeadReuse,
    SplitEinsumReuse,
    SummedHeadsReuse,
    ThreeHeadBmmReuse,
    TokenLinearReuse,
    TransposedLogitsReuse,
)
from attention_corpus_negatives import (  # noqa: E402
    CascadedGroupAttention,
    GroupedQueryAttention,
    PerHeadBiasTables,
    PerHeadQueryConv,
    PerHeadScales,
    ViTSelfAttention,
)
from attention_corpus_network import uniform_m0_like  # noqa: E402


# ==========================================================================
# Registry
# ==========================================================================

# name -> (builder, input shape, description)
MODELS = {
    "reuse_chunk_view": (ChunkViewReuse, (1, 64, 7, 7),
                         "canonical layer: chunk+view, matmul, Mul scale, table[:, idx] bias after scale"),
    "reuse_split_einsum_3h": (SplitEinsumReuse, (1, 48, 6, 6),
                              "3 heads, split, einsum, gather bias before Div scale, per-head 1x1 value convs"),
    "reuse_tokens_linear_5h": (TokenLinearReuse, (2, 49, 40),
                               "[B,N,C] tokens in/out, batch 2, 5 heads, nn.Linear, no bias, nn.Softmax"),
    "reuse_explicit_folded_scale": (ExplicitWeightReuse, (1, 32, 8, 8),
                                    "F.conv2d explicit weights, scale folded into q, bmm, softmax dim -2 "
                                    "on k^T q, [B,C,N] out"),
    "reuse_window_pad": (PaddedWindowReuse, (1, 32, 10, 10),
                         "10x10 padded to 14x14, 4 windows of 7x7, index_select bias BEFORE the scale"),
    "reuse_window_pad_scale_first": (functools.partial(PaddedWindowReuse, bias_before_scale=False),
                                     (1, 32, 10, 10),
                                     "reuse_window_pad with scale*q^T k + bias (isolates bias-before-scale)"),
    "reuse_broadcast_unsqueeze_b2": (BroadcastHeadsReuse, (2, 64, 7, 7),
                                     "batch 2, A [B,N,M] broadcast with unsqueeze(1) over V [B,h,N,d] "
                                     "in one matmul"),
    "reuse_broadcast_expand_b2": (functools.partial(BroadcastHeadsReuse, explicit_expand=True),
                                  (2, 64, 7, 7),
                                  "as reuse_broadcast_unsqueeze_b2 but A.unsqueeze(1).expand(B,h,N,M) "
                                  "(no implicit MatMul broadcast)"),
    "reuse_summed_heads": (SummedHeadsReuse, (1, 32, 7, 7),
                           "each head's O_i through its own 1x1 conv, results summed; token-major products"),
    "reuse_bmm_expand_3h": (ThreeHeadBmmReuse, (1, 48, 7, 7),
                            "3 heads, A expanded to [B*h,N,N] for one bmm, bias before Div-by-sqrt scale"),
    "reuse_tokens_gather_5h": (FiveHeadTokenReuse, (1, 40, 7, 7),
                               "5 heads (kernels 1..9), flatten(2).transpose(1,2) products, torch.gather bias"),
    "reuse_tokens_index_5h": (functools.partial(FiveHeadTokenReuse, gather=False), (1, 40, 7, 7),
                              "reuse_tokens_gather_5h with table[:, idx] (Gather) instead of torch.gather"),
    "reuse_transposed_logits": (TransposedLogitsReuse, (1, 64, 7, 7),
                                "scores built as k^T q (einsum), scaled+biased transposed, transposed back, "
                                "softmax(-1)"),
    "reuse_recomputed_per_head": (RecomputedPerHeadReuse, (1, 32, 7, 7),
                                  "the same softmax(q^T k) recomputed inside the per-head loop (CSE merges)"),
    "uniform_m0_like": (uniform_m0_like, (1, 3, 224, 224),
                        "whole UniForm-m0-like classifier, 224x224, 6 Reuse Attention layers, baddbmm logits"),
    "neg_vit_mhsa": (ViTSelfAttention, (1, 49, 64),
                     "ViT multi-head self-attention, qkv Linear + reshape/permute"),
    "neg_gqa": (GroupedQueryAttention, (1, 49, 64),
                "grouped-query attention, 4 query heads over 2 kv groups"),
    "neg_cascaded_group": (CascadedGroupAttention, (1, 64, 7, 7),
                           "EfficientViT cascaded group attention (head i input = chunk_i + out_{i-1})"),
    "neg_per_head_bias": (PerHeadBiasTables, (2, 64, 7, 7),
                          "shared q^T k but a distinct bias table per head, batched over heads"),
    "neg_per_head_scale": (PerHeadScales, (1, 32, 7, 7),
                           "shared q, k, bias; head i uses scale 0.25*(i+1), loop over heads"),
    "neg_per_head_query_conv": (PerHeadQueryConv, (1, 32, 7, 7),
                                "shared k, but q passes a different depthwise conv per head"),
}

# Expected ops after `--attn-raise --canonicalize --cse --attn-reuse-heads`:
#   "reuse":    heads of each attn.reuse with H > 1
#   "mha":      heads of each attn.mha with H > 1
#   "single":   number of single-head attention ops; the project may spell a
#               single-head attention as attn.mha or attn.reuse with H = 1
#   "matrices": distinct attention matrices per batch item and window, over
#               all layers (what the math has; a positive has one per layer)
# A negative must never produce an attn.reuse with H > 1 (that would apply
# one head's matrix to another head's values: a wrong result).
def _pos(*heads):
    return {"reuse": list(heads), "mha": [], "single": 0, "matrices": len(heads)}


EXPECTED = {
    "reuse_chunk_view": _pos(4),
    "reuse_split_einsum_3h": _pos(3),
    "reuse_tokens_linear_5h": _pos(5),
    "reuse_explicit_folded_scale": _pos(4),
    "reuse_window_pad": _pos(4),
    "reuse_window_pad_scale_first": _pos(4),
    "reuse_broadcast_unsqueeze_b2": _pos(4),
    "reuse_broadcast_expand_b2": _pos(4),
    "reuse_summed_heads": _pos(4),
    "reuse_bmm_expand_3h": _pos(3),
    "reuse_tokens_gather_5h": _pos(5),
    "reuse_tokens_index_5h": _pos(5),
    "reuse_transposed_logits": _pos(4),
    "reuse_recomputed_per_head": _pos(4),
    "uniform_m0_like": _pos(4, 4, 4, 4, 4, 4),
    "neg_vit_mhsa": {"reuse": [], "mha": [4], "single": 0, "matrices": 4},
    "neg_gqa": {"reuse": [], "mha": [4], "single": 0, "matrices": 4},
    "neg_cascaded_group": {"reuse": [], "mha": [], "single": 4, "matrices": 4},
    "neg_per_head_bias": {"reuse": [], "mha": [4], "single": 0, "matrices": 4},
    "neg_per_head_scale": {"reuse": [], "mha": [], "single": 4, "matrices": 4},
    "neg_per_head_query_conv": {"reuse": [], "mha": [], "single": 4, "matrices": 4},
}

assert set(MODELS) == set(EXPECTED)


def expectation_text(name):
    e = EXPECTED[name]
    parts = []
    if e["reuse"]:
        hs = sorted(set(e["reuse"]))
        if len(e["reuse"]) == 1:
            parts.append("1 attn.reuse with %d heads" % e["reuse"][0])
        elif len(hs) == 1:
            parts.append("%d attn.reuse with %d heads each" % (len(e["reuse"]), hs[0]))
        else:
            parts.append("attn.reuse with heads %s" % e["reuse"])
    if e["mha"]:
        if len(e["mha"]) == 1:
            parts.append("1 attn.mha with %d heads (each head its own matrix)" % e["mha"][0])
        else:
            parts.append("attn.mha with heads %s" % e["mha"])
    if e["single"]:
        parts.append("%d separate single-head attention ops (not mergeable)" % e["single"])
    return "; ".join(parts)


def parse_attention_ops(mlir_text):
    """[(mnemonic, heads)] of every attn.mha / attn.reuse in printed MLIR;
    heads is dimension 1 of the value type (rank 4)."""
    import re
    ops = []
    for line in mlir_text.splitlines():
        m = re.search(r"\battn\.(mha|reuse)\b", line)
        if not m or "->" not in line:
            continue
        types = re.findall(r"tensor<([^>]*)>", line.rsplit(" : ", 1)[-1])
        if len(types) < 3:
            continue
        dims = types[2].split("x")
        heads = int(dims[1]) if len(dims) >= 5 and dims[1].isdigit() else 1
        ops.append((m.group(1), heads))
    return ops


def verify(name, ops):
    """Compare parsed ops with EXPECTED[name].  Returns (status, message):
    'exact' (as expected), 'missed' (fewer/different ops but no wrong merge),
    or 'WRONG' (an attn.reuse with H > 1 where the math has per-head
    matrices, or more heads merged than a layer has)."""
    e = EXPECTED[name]
    reuse = sorted(h for op, h in ops if op == "reuse" and h > 1)
    mha = sorted(h for op, h in ops if op == "mha" and h > 1)
    single = sum(1 for _, h in ops if h == 1)
    got = "reuse=%s mha=%s single=%d" % (reuse, mha, single)
    want = "reuse=%s mha=%s single=%d" % (sorted(e["reuse"]), sorted(e["mha"]), e["single"])
    if reuse and not e["reuse"]:
        return "WRONG", "got %s, want %s (heads with distinct matrices merged)" % (got, want)
    if reuse and max(reuse) > max(e["reuse"]):
        return "WRONG", "got %s, want %s (more heads merged than a layer has)" % (got, want)
    if (reuse, mha, single) == (sorted(e["reuse"]), sorted(e["mha"]), e["single"]):
        return "exact", got
    # Heads folded into the value width (one attn.reuse of one head over all
    # heads' channels, as a single einsum over [B, h*d, M] gives) compute the
    # same single matrix per layer.
    if e["reuse"] and not mha and not e["mha"] and not reuse and \
            single == len(e["reuse"]) and all(op == "reuse" for op, _ in ops):
        return "exact", got + " (heads folded into the value width)"
    return "missed", "got %s, want %s" % (got, want)


def randomize_batchnorm(model):
    """Non-trivial running statistics and affine parameters for every BN."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.6, 1.4)
                m.bias.uniform_(-0.2, 0.2)


def build(name):
    builder, shape, _ = MODELS[name]
    torch.manual_seed(0)
    model = builder()
    randomize_batchnorm(model)
    model.eval()
    gen = torch.Generator().manual_seed(1234)
    x = torch.randn(*shape, generator=gen)
    return model, x


def export(name, out_path, check_dir=None):
    import onnx

    model, x = build(name)
    with torch.no_grad():
        y = model(x)
        torch.onnx.export(model, (x,), out_path, opset_version=17, do_constant_folding=True,
                          input_names=["x"], output_names=["y"])
    onnx.checker.check_model(onnx.load(out_path))
    if not torch.isfinite(y).all():
        raise RuntimeError("%s: non-finite reference output" % name)
    if check_dir:
        os.makedirs(check_dir, exist_ok=True)
        np.save(os.path.join(check_dir, "in0.npy"), x.numpy().astype(np.float32))
        np.save(os.path.join(check_dir, "ref.npy"), y.numpy().astype(np.float32))
    return y


def raise_with_tools(bin_dir, onnx_path, work_prefix):
    """Import with uniform-translate and raise with uniform-opt; returns
    (ops, error_text)."""
    import subprocess
    mlir, raised = work_prefix + ".mlir", work_prefix + ".attn.mlir"
    r = subprocess.run([os.path.join(bin_dir, "uniform-translate"), "--import-onnx", onnx_path, "-o", mlir],
                       capture_output=True, text=True)
    if r.returncode:
        return None, "import: " + r.stderr.strip()
    r = subprocess.run([os.path.join(bin_dir, "uniform-opt"), mlir, "--attn-raise", "--canonicalize", "--cse",
                        "--attn-reuse-heads", "-o", raised], capture_output=True, text=True)
    if r.returncode:
        return None, "uniform-opt: " + r.stderr.strip()
    with open(raised) as f:
        return parse_attention_ops(f.read()), ""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("name", nargs="?", help="model name (see --list)")
    ap.add_argument("out", nargs="?", help="output .onnx path")
    ap.add_argument("--check", metavar="DIR", help="write DIR/in0.npy and DIR/ref.npy")
    ap.add_argument("--list", action="store_true", help="print names, descriptions, expectations")
    ap.add_argument("--all", metavar="DIR", help="export every model into DIR")
    ap.add_argument("--tools", metavar="BIN_DIR",
                    help="with --all: also import and raise each model with BIN_DIR/uniform-translate "
                         "and BIN_DIR/uniform-opt and compare with EXPECTED")
    ap.add_argument("--verify", metavar="RAISED.mlir",
                    help="compare the attn ops of RAISED.mlir with EXPECTED[NAME]; exit 1 on a wrong merge")
    args = ap.parse_args(argv)

    if args.list:
        for n, (_, shape, desc) in MODELS.items():
            print("%-30s %-14s %s\n%30s expected: %s" % (n, "x".join(map(str, shape)), desc, "",
                                                        expectation_text(n)))
        return 0
    if args.verify:
        if args.name not in MODELS:
            ap.error("--verify needs a model NAME")
        with open(args.verify) as f:
            status, msg = verify(args.name, parse_attention_ops(f.read()))
        print("%s: %s: %s" % (args.name, status, msg))
        return 1 if status == "WRONG" else 0
    if args.all:
        os.makedirs(args.all, exist_ok=True)
        total = time.time()
        wrong = 0
        for n in MODELS:
            t = time.time()
            path = os.path.join(args.all, n + ".onnx")
            export(n, path, os.path.join(args.all, n))
            line = "%-30s exported in %.2f s" % (n, time.time() - t)
            if args.tools:
                ops, err = raise_with_tools(args.tools, path, os.path.join(args.all, n))
                if ops is None:
                    line += "  FAILED %s" % err.splitlines()[0] if err else "  FAILED"
                else:
                    status, msg = verify(n, ops)
                    wrong += status == "WRONG"
                    line += "  %s: %s" % (status, msg)
            print(line, flush=True)
        print("all %d models in %.2f s" % (len(MODELS), time.time() - total))
        return 1 if wrong else 0
    if not args.name or not args.out:
        ap.error("NAME and OUT.onnx are required (or --list / --all DIR)")
    if args.name not in MODELS:
        ap.error("unknown model %r; --list shows the names" % args.name)
    export(args.name, args.out, args.check)
    return 0


if __name__ == "__main__":
    sys.exit(main())
