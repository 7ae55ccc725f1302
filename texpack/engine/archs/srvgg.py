"""SRVGGNetCompact, the compact Real-ESRGAN network (realesr-animevideov3, general-x4v3).

Parameter names follow the published checkpoints: ``body.N.weight``, where even N are
convs and odd N the activations (PReLU slopes when the activation is PReLU).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

ACTS = ("prelu", "relu", "leakyrelu")


def _act(kind: str, nf: int) -> nn.Module:
    if kind == "prelu":
        return nn.PReLU(num_parameters=nf)
    if kind == "relu":
        return nn.ReLU(inplace=True)
    if kind == "leakyrelu":
        return nn.LeakyReLU(negative_slope=0.1, inplace=True)
    raise ValueError(f"unknown activation {kind!r} (expected one of {', '.join(ACTS)})")


class SRVGGNetCompact(nn.Module):
    """A plain conv stack ending in pixel-shuffle, plus a nearest-upsampled skip.

    Args:
        num_in_ch: image channels in.
        num_out_ch: image channels out.
        num_feat: features per conv (64 in published models).
        num_conv: hidden convs (16 for animevideov3, 32 for general-x4v3).
        upscale: output scale, any integer >= 1.
        act_type: ``prelu``, ``relu`` or ``leakyrelu``.
    """

    def __init__(
        self, num_in_ch: int = 3, num_out_ch: int = 3, num_feat: int = 64, num_conv: int = 16, upscale: int = 4, act_type: str = "prelu"
    ) -> None:
        super().__init__()
        self.upscale = upscale
        layers: list[nn.Module] = [nn.Conv2d(num_in_ch, num_feat, 3, 1, 1), _act(act_type, num_feat)]
        for _ in range(num_conv):
            layers += [nn.Conv2d(num_feat, num_feat, 3, 1, 1), _act(act_type, num_feat)]
        layers.append(nn.Conv2d(num_feat, num_out_ch * upscale * upscale, 3, 1, 1))
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Adding each input channel repeated scale^2 times before the shuffle is exactly the
        # nearest-upsampled skip, without a separate upsampling pass.
        out = self.body(x) + x.repeat_interleave(self.upscale * self.upscale, dim=1)
        return F.pixel_shuffle(out, self.upscale)
