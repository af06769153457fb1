"""The whole network of the attention corpus (attention_corpus.py): a
UniForm-m0-like classifier written in its own style (nn.Sequential,
residual wrappers, baddbmm logits)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from attention_corpus_layers import offsets_index


# ==========================================================================
# Whole network: a UniForm-m0-like classifier, nn.Sequential heavy
# ==========================================================================

class Residual(nn.Module):
    def __init__(self, *body):
        super().__init__()
        self.body = body[0] if len(body) == 1 else nn.Sequential(*body)

    def forward(self, x):
        return x + self.body(x)


def conv_bn(cin, cout, k=1, stride=1, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout))


class SqueezeExcite(nn.Module):
    def __init__(self, ch, ratio=4):
        super().__init__()
        self.gate = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(ch, ch // ratio, 1), nn.ReLU(),
                                  nn.Conv2d(ch // ratio, ch, 1), nn.Sigmoid())

    def forward(self, x):
        return x * self.gate(x)


class ReuseMixer(nn.Module):
    """Reuse Attention (without the residual) for the network; windows of 7
    when the map is larger.  Logits via torch.baddbmm(bias, q^T, k,
    alpha=scale) = bias + scale * q^T k."""

    def __init__(self, dim, res, heads=4, win=7):
        super().__init__()
        self.dim, self.res, self.heads = dim, res, heads
        self.win = min(win, res)
        self.kd = dim // 4
        qk_kernel = 7 if self.win >= 7 else 5
        self.qk = conv_bn(dim, 2 * self.kd)
        self.q_dw = conv_bn(self.kd, self.kd, qk_kernel, groups=self.kd)
        d = dim // heads
        self.v_dw = nn.ModuleList([nn.Conv2d(d, d, ks, 1, ks // 2, groups=d) for ks in (1, 3, 5, 7)])
        self.rel = nn.Parameter(0.3 * torch.randn(self.win * self.win))
        self.register_buffer("rel_idx", offsets_index(self.win, self.win))
        self.proj = nn.Sequential(nn.ReLU(), conv_bn(dim, dim))

    def attend(self, w):
        bw = w.shape[0]
        n = self.win * self.win
        q, k = torch.split(self.qk(w), self.kd, dim=1)
        q = self.q_dw(q).reshape(bw, self.kd, n)
        k = k.reshape(bw, self.kd, n)
        bias = self.rel[self.rel_idx].unsqueeze(0).expand(bw, n, n)
        a = torch.baddbmm(bias, q.transpose(1, 2), k, alpha=0.25).softmax(-1)
        d = self.dim // self.heads
        heads = [torch.bmm(conv(w[:, i * d:(i + 1) * d]).reshape(bw, d, n), a.transpose(1, 2))
                 for i, conv in enumerate(self.v_dw)]
        return self.proj(torch.cat(heads, 1).reshape(bw, self.dim, self.win, self.win))

    def forward(self, x):
        if self.res <= self.win:
            return self.attend(x)
        r, w = self.res, self.win
        p = (-r) % w
        m = (r + p) // w
        B = x.shape[0]
        xp = F.pad(x, (0, p, 0, p)) if p else x
        wins = xp.reshape(B, self.dim, m, w, m, w).permute(0, 2, 4, 1, 3, 5).reshape(-1, self.dim, w, w)
        y = self.attend(wins)
        y = y.reshape(B, m, m, self.dim, w, w).permute(0, 3, 1, 4, 2, 5).reshape(B, self.dim, m * w, m * w)
        return y[:, :, :r, :r] if p else y


def ffn(dim, ratio=2):
    return nn.Sequential(conv_bn(dim, dim * ratio), nn.ReLU(), conv_bn(dim * ratio, dim))


def uniform_block(dim, res):
    return nn.Sequential(
        Residual(conv_bn(dim, dim, 3, groups=dim)),
        Residual(ffn(dim)),
        Residual(ReuseMixer(dim, res)),
        Residual(conv_bn(dim, dim, 3, groups=dim)),
        Residual(ffn(dim)),
    )


def patch_merge(cin, cout):
    hid = cin * 4
    return nn.Sequential(conv_bn(cin, hid), nn.ReLU(),
                         conv_bn(hid, hid, 3, stride=2, groups=hid), nn.ReLU(),
                         SqueezeExcite(hid, 4),
                         conv_bn(hid, cout))


def uniform_m0_like(num_classes=1000):
    dims, depths, sizes = (64, 128, 192), (1, 2, 3), (14, 7, 4)
    stem = []
    for cin, cout in zip((3, 8, 16, 32), (8, 16, 32, 64)):
        stem += [conv_bn(cin, cout, 3, stride=2), nn.ReLU()]
    layers = [nn.Sequential(*stem)]
    for s, (dim, depth, res) in enumerate(zip(dims, depths, sizes)):
        if s:
            layers.append(patch_merge(dims[s - 1], dim))
        layers += [uniform_block(dim, res) for _ in range(depth)]
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(1), nn.BatchNorm1d(dims[-1]),
               nn.Linear(dims[-1], num_classes)]
    return nn.Sequential(*layers)
