"""UniForm (Reuse Attention) and two comparison blocks in PyTorch.

Written for this project from the description in shared/docs/uniform-model.md
(the paper "UniForm: A Reuse Attention Mechanism Optimized for Efficient
Vision Transformers on Edge Devices", arXiv 2412.02344); this is not the
authors' code. The modules are meant for export to ONNX in eval mode, where
every BatchNorm folds into the convolution before it, so they only use ops
that trace to plain ONNX (Conv, MatMul, Softmax, Reshape, Transpose, ...).

Contents:
- building blocks: ConvBN, Residual, FFN, SqueezeExcite;
- ReuseAttention: one Reuse Attention layer over a window (or a whole,
  small feature map), and LocalWindowAttention, which runs any such module
  per 7x7 window of a larger map;
- UniForm: the network (stem, three stages of UniFormBlock with
  PatchMerging between them, classifier head) and its variants m0, m1, m3,
  m5 (``uniform(name)``);
- for comparison: ViTBlock (standard multi-head self-attention and MLP on
  tokens) and CascadedGroupAttention (EfficientViT's attention, where every
  head has its own projections and its own attention matrix);
- randomize_norm_statistics: non-trivial BatchNorm/LayerNorm state, so that
  a numerical check of an exported model is meaningful.

All tensors are NCHW unless a docstring says otherwise.
"""
import itertools

import torch
from torch import nn

WINDOW = 7
"""Side of the attention window: larger stages are partitioned into 7x7."""


class ConvBN(nn.Sequential):
    """Conv2d without bias followed by BatchNorm2d ('same' padding for odd k)."""

    def __init__(self, in_channels, out_channels, kernel_size=1, stride=1, groups=1):
        super().__init__(
            nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride,
                      padding=kernel_size // 2, groups=groups, bias=False),
            nn.BatchNorm2d(out_channels))


class Residual(nn.Module):
    """x + fn(x)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return x + self.fn(x)


class FFN(nn.Sequential):
    """1x1 conv+BN to `hidden` channels, ReLU, 1x1 conv+BN back to `dim`."""

    def __init__(self, dim, hidden):
        super().__init__(ConvBN(dim, hidden), nn.ReLU(), ConvBN(hidden, dim))


class SqueezeExcite(nn.Module):
    """Channel gating: x * sigmoid(W2 relu(W1 mean_hw(x))), reduction `ratio`."""

    def __init__(self, channels, ratio=4):
        super().__init__()
        self.reduce = nn.Conv2d(channels, channels // ratio, 1)
        self.expand = nn.Conv2d(channels // ratio, channels, 1)

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        return x * torch.sigmoid(self.expand(torch.relu(self.reduce(s))))


def relative_position_index(resolution):
    """(index, count): the [N, N] index (N = resolution^2) of the |dy|, |dx|
    offset between two tokens of a resolution x resolution map, offsets
    numbered in order of first appearance (as in LeViT/EfficientViT's
    attention biases), and the number of distinct offsets."""
    points = list(itertools.product(range(resolution), range(resolution)))
    offsets, idxs = {}, []
    for p1 in points:
        for p2 in points:
            off = (abs(p1[0] - p2[0]), abs(p1[1] - p2[1]))
            offsets.setdefault(off, len(offsets))
            idxs.append(offsets[off])
    return torch.tensor(idxs).view(len(points), len(points)), len(offsets)


class ReuseAttention(nn.Module):
    """UniForm's Reuse Attention over a resolution x resolution map
    (N = resolution^2 tokens), without the residual.

    q, k = split(BN(conv1x1(x)): C -> C/2), q = BN(dwconv7x7(q));
    A = softmax(key_dim^-0.5 * q^T k [+ relative-position bias]), [N, N];
    value head i is the i-th of `heads` channel chunks of x through a
    depthwise conv of kernel [1, 3, 5, 7][i]; every head uses the same A:
    O_i = V_i A^T. Output: BN(conv1x1(relu(concat_i O_i))).

    The scale is key_dim^-0.5 with key_dim = 16 whatever the q/k width C/4.
    """

    def __init__(self, dim=64, heads=4, resolution=7, key_dim=16, bias=True):
        super().__init__()
        if dim % 4 or dim % heads or not 1 <= heads <= 4:
            raise ValueError(f"ReuseAttention: dim {dim} must divide by 4 and by "
                             f"heads {heads} (1 to 4)")
        self.heads = heads
        self.scale = key_dim ** -0.5
        self.to_qk = ConvBN(dim, dim // 2)
        self.q_dw = ConvBN(dim // 4, dim // 4, 7, groups=dim // 4)
        self.v_dw = nn.ModuleList(
            nn.Conv2d(dim // heads, dim // heads, k, padding=k // 2, groups=dim // heads)
            for k in [1, 3, 5, 7][:heads])
        self.proj = nn.Sequential(nn.ReLU(), ConvBN(dim, dim))
        if bias:
            idx, n_offsets = relative_position_index(resolution)
            self.bias_table = nn.Parameter(torch.randn(1, n_offsets) * 0.5)
            self.register_buffer("bias_idx", idx, persistent=False)
        else:
            self.bias_table = None

    def forward(self, x):
        b, c, h, w = x.shape
        q, k = self.to_qk(x).chunk(2, dim=1)
        q = self.q_dw(q)
        q, k = q.flatten(2), k.flatten(2)                        # [B, C/4, N]
        attn = (q.transpose(-2, -1) @ k) * self.scale            # [B, N, N]
        if self.bias_table is not None:
            attn = attn + self.bias_table[0][self.bias_idx]
        attn = attn.softmax(dim=-1)                              # one N x N matrix
        outs = []
        for i, v in enumerate(x.chunk(self.heads, dim=1)):
            v = self.v_dw[i](v).flatten(2)                       # [B, C/h, N]
            outs.append(v @ attn.transpose(-2, -1))              # the same A per head
        o = torch.cat(outs, dim=1).view(b, c, h, w)
        return self.proj(o)


class LocalWindowAttention(nn.Module):
    """Runs `attn` on each window x window tile of the input, or on the whole
    input when it is no larger than one window.

    Like EfficientViT's LocalWindowAttention: NCHW -> NHWC, zero-pad bottom and
    right to a multiple of the window, partition by reshape/permute into
    [B * nH * nW, C, window, window], apply `attn`, reverse, crop.
    """

    def __init__(self, attn, window=WINDOW):
        super().__init__()
        self.attn, self.window = attn, window

    def forward(self, x):
        b, c, h, w = x.shape
        ws = self.window
        if h <= ws and w <= ws:
            return self.attn(x)
        x = x.permute(0, 2, 3, 1)                                # B H W C
        pad_b, pad_r = (ws - h % ws) % ws, (ws - w % ws) % ws
        if pad_b or pad_r:
            x = nn.functional.pad(x, (0, 0, 0, pad_r, 0, pad_b))
        ph, pw = h + pad_b, w + pad_r
        nh, nw = ph // ws, pw // ws
        # B (nH ws) (nW ws) C -> (B nH nW) C ws ws
        x = x.view(b, nh, ws, nw, ws, c).transpose(2, 3)
        x = x.reshape(b * nh * nw, ws, ws, c).permute(0, 3, 1, 2)
        x = self.attn(x)
        # (B nH nW) C ws ws -> B (nH ws) (nW ws) C
        x = x.permute(0, 2, 3, 1).reshape(b, nh, nw, ws, ws, c).transpose(2, 3)
        x = x.reshape(b, ph, pw, c)
        if pad_b or pad_r:
            x = x[:, :h, :w].contiguous()
        return x.permute(0, 3, 1, 2)


def reuse_attention_layer(dim, heads, resolution, window=WINDOW, bias=True):
    """The residual Reuse Attention layer of a stage at `resolution`:
    windowed when resolution > window, global otherwise. window=None means
    global attention at any resolution."""
    if window is None or resolution <= window:
        return Residual(ReuseAttention(dim, heads, resolution, bias=bias))
    return Residual(LocalWindowAttention(ReuseAttention(dim, heads, window, bias=bias), window))


def conv_ffn(dim):
    """Residual depthwise 3x3 conv+BN, then residual FFN (expansion 2)."""
    return nn.Sequential(Residual(ConvBN(dim, dim, 3, groups=dim)), Residual(FFN(dim, 2 * dim)))


class UniFormBlock(nn.Sequential):
    """dwconv3x3+BN -> FFN -> Reuse Attention -> dwconv3x3+BN -> FFN, each residual."""

    def __init__(self, dim, heads, resolution, window=WINDOW, attn_bias=True):
        super().__init__(
            conv_ffn(dim),
            reuse_attention_layer(dim, heads, resolution, window, attn_bias),
            conv_ffn(dim))


class PatchMerging(nn.Sequential):
    """Halves the resolution: 1x1 conv+BN to 4*dim, ReLU, depthwise 3x3
    stride-2 conv+BN, ReLU, squeeze-excitation (ratio 4), 1x1 conv+BN."""

    def __init__(self, dim, out_dim):
        hidden = 4 * dim
        super().__init__(
            ConvBN(dim, hidden), nn.ReLU(),
            ConvBN(hidden, hidden, 3, stride=2, groups=hidden), nn.ReLU(),
            SqueezeExcite(hidden, 4),
            ConvBN(hidden, out_dim))


def _halve(resolution):
    """Output side of a 3x3, stride 2, padding 1 convolution."""
    return (resolution - 1) // 2 + 1


class UniForm(nn.Module):
    """The UniForm network: stem (four 3x3 stride-2 conv+BN, ReLU between,
    3 -> C0/8 -> C0/4 -> C0/2 -> C0), three stages (14x14, 7x7 and 4x4 at
    224 px) of UniFormBlocks with PatchMerging between them, and the head
    (global average pool -> BatchNorm1d -> Linear).

    merge_conv_ffn: as in EfficientViT, on which UniForm builds, and in the
    authors' code, each PatchMerging sits between two residual dwconv+FFN
    pairs (conv_ffn) at the dims before and after it. uniform-model.md's
    summary does not list them; they add 0.3 M (m0) to 1.4 M (m5)
    parameters and bring m5 into the 10-12 M the paper reports.
    """

    def __init__(self, embed_dims, depths, heads, img_size=224, num_classes=1000,
                 window=WINDOW, attn_bias=True, merge_conv_ffn=True):
        super().__init__()
        c0 = embed_dims[0]
        self.stem = nn.Sequential(
            ConvBN(3, c0 // 8, 3, stride=2), nn.ReLU(),
            ConvBN(c0 // 8, c0 // 4, 3, stride=2), nn.ReLU(),
            ConvBN(c0 // 4, c0 // 2, 3, stride=2), nn.ReLU(),
            ConvBN(c0 // 2, c0, 3, stride=2))
        resolution = img_size
        for _ in range(4):
            resolution = _halve(resolution)
        stages = []
        for i, (dim, depth, h) in enumerate(zip(embed_dims, depths, heads)):
            if i > 0:
                if merge_conv_ffn:
                    stages.append(conv_ffn(embed_dims[i - 1]))
                stages.append(PatchMerging(embed_dims[i - 1], dim))
                resolution = _halve(resolution)
                if merge_conv_ffn:
                    stages.append(conv_ffn(dim))
            stages.extend(UniFormBlock(dim, h, resolution, window, attn_bias)
                          for _ in range(depth))
        self.stages = nn.Sequential(*stages)
        self.norm = nn.BatchNorm1d(embed_dims[-1])
        self.head = nn.Linear(embed_dims[-1], num_classes)

    def forward(self, x):
        x = self.stages(self.stem(x))
        x = x.mean((2, 3))                                        # global average pool
        return self.head(self.norm(x))


VARIANTS = {
    # name: (embed dims, depths, heads), from the table in uniform-model.md
    "m0": ((64, 128, 192), (1, 2, 3), (4, 4, 4)),
    "m1": ((128, 144, 192), (1, 2, 3), (2, 3, 3)),
    "m3": ((128, 240, 320), (1, 2, 3), (4, 3, 4)),
    "m5": ((192, 288, 384), (1, 2, 3), (3, 3, 4)),
}


def uniform(name, **kwargs):
    """UniForm variant `name` (m0, m1, m3 or m5); kwargs go to UniForm."""
    dims, depths, heads = VARIANTS[name]
    return UniForm(dims, depths, heads, **kwargs)


class ViTBlock(nn.Module):
    """A standard pre-norm ViT block on an NCHW map, for comparison:
    tokens t = [B, N, C]; t += proj(MHSA(LN(t))); t += MLP(LN(t)) with GELU.
    MHSA: qkv Linear, heads by reshape/permute, softmax(q k^T * d^-0.5) v."""

    def __init__(self, dim=64, heads=4, mlp_ratio=4):
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp_ratio * dim), nn.GELU(),
                                 nn.Linear(mlp_ratio * dim, dim))

    def attention(self, t):
        b, n, c = t.shape
        qkv = self.qkv(t).reshape(b, n, 3, self.heads, c // self.heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)          # each [B, h, N, d]
        attn = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))

    def forward(self, x):
        b, c, h, w = x.shape
        t = x.flatten(2).transpose(1, 2)                          # [B, N, C]
        t = t + self.attention(self.norm1(t))
        t = t + self.mlp(self.norm2(t))
        return t.transpose(1, 2).reshape(b, c, h, w)


class CascadedGroupAttention(nn.Module):
    """EfficientViT's cascaded group attention (without the residual), for
    comparison with ReuseAttention. Head i takes x's i-th channel chunk plus
    head i-1's output, has its own q/k/v 1x1 conv+BN (q, k: key_dim, v: C/h
    channels), its own q depthwise conv+BN and its own N x N attention matrix
    softmax(key_dim^-0.5 q^T k + bias_i) with its own relative-position bias
    row. Output: BN(conv1x1(relu(concat of the heads)))."""

    def __init__(self, dim=64, heads=4, resolution=7, key_dim=16, kernel=5):
        super().__init__()
        self.heads, self.key_dim, self.d = heads, key_dim, dim // heads
        self.scale = key_dim ** -0.5
        self.qkv = nn.ModuleList(ConvBN(self.d, 2 * key_dim + self.d) for _ in range(heads))
        self.q_dw = nn.ModuleList(ConvBN(key_dim, key_dim, kernel, groups=key_dim)
                                  for _ in range(heads))
        self.proj = nn.Sequential(nn.ReLU(), ConvBN(dim, dim))
        idx, n_offsets = relative_position_index(resolution)
        self.bias_table = nn.Parameter(torch.randn(heads, n_offsets) * 0.5)
        self.register_buffer("bias_idx", idx, persistent=False)

    def forward(self, x):
        b, c, h, w = x.shape
        bias = self.bias_table[:, self.bias_idx]                 # [heads, N, N]
        outs = []
        for i, chunk in enumerate(x.chunk(self.heads, dim=1)):
            feat = chunk if i == 0 else chunk + outs[-1]         # the cascade
            q, k, v = self.qkv[i](feat).split([self.key_dim, self.key_dim, self.d], dim=1)
            q = self.q_dw[i](q)
            q, k, v = q.flatten(2), k.flatten(2), v.flatten(2)
            attn = ((q.transpose(-2, -1) @ k) * self.scale + bias[i]).softmax(dim=-1)
            outs.append((v @ attn.transpose(-2, -1)).view(b, self.d, h, w))
        return self.proj(torch.cat(outs, dim=1))


def efficientvit_attention_layer(dim, heads, resolution, window=WINDOW):
    """Residual cascaded group attention, per window above `window`."""
    if window is None or resolution <= window:
        return Residual(CascadedGroupAttention(dim, heads, resolution))
    return Residual(LocalWindowAttention(CascadedGroupAttention(dim, heads, window), window))


def randomize_norm_statistics(model):
    """Gives every BatchNorm running statistics away from (0, 1), and every
    LayerNorm a non-trivial affine transform, so that exported (folded)
    normalization is actually exercised by a numerical check. Draws from
    torch's global generator in module order."""
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
        elif isinstance(m, nn.LayerNorm):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
    return model


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())
