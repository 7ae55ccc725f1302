"""The discriminator for the GAN stage: a VGG-style stack of strided convs with spectral norm.

ESRGAN judges 128x128 patches with a VGG-style network; spectral normalisation (as in
Real-ESRGAN's discriminator) keeps the relativistic game stable without batch norm, which
would couple the samples of a batch. The last layers average over space, so any patch of
at least ``MIN_SIDE`` px works (five stride-2 stages leave one texel of it). ``forward``
also returns the intermediate features for feature matching.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils import spectral_norm

STAGES = 5
MIN_SIDE = 2**STAGES


class PatchDiscriminator(nn.Module):
    """Args:
    nf: channels of the first stage; each of the stride-2 stages doubles it (max 8x).
    """

    def __init__(self, nf: int = 32, in_ch: int = 3) -> None:
        super().__init__()
        stages = []
        ch = in_ch
        for i in range(STAGES):
            out = nf * min(8, 2**i)
            stages.append(
                nn.Sequential(
                    spectral_norm(nn.Conv2d(ch, out, 3, 1, 1)),
                    nn.LeakyReLU(0.2, inplace=True),
                    spectral_norm(nn.Conv2d(out, out, 4, 2, 1)),
                    nn.LeakyReLU(0.2, inplace=True),
                )
            )
            ch = out
        self.stages = nn.ModuleList(stages)
        self.head = nn.Sequential(spectral_norm(nn.Linear(ch, 100)), nn.LeakyReLU(0.2, inplace=True), nn.Linear(100, 1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        feats = []
        for s in self.stages:
            x = s(x)
            feats.append(x)
        return self.head(x.mean(dim=(2, 3))), feats
