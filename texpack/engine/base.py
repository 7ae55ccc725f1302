"""The engine interface the pipeline talks to, and the plain resampling engine."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import torch
from torch.nn import functional as F


class Upscaler(Protocol):
    """Upscales batches of same-size RGB images by a fixed native factor.

    ``run`` takes float32 ``(N, H, W, 3)`` in [0, 1] and returns float32
    ``(N, H*scale, W*scale, 3)`` in [0, 1]. ``identity`` changes whenever the output would.
    """

    name: str
    scale: int
    identity: str

    def run(self, batch: np.ndarray) -> np.ndarray: ...


RESAMPLE_MODES = ("nearest", "bilinear", "bicubic")


class ResampleUpscaler:
    """A classical resize, for previews and tests; no network."""

    def __init__(self, mode: str = "bicubic", scale: int = 4) -> None:
        if mode not in RESAMPLE_MODES:
            raise ValueError(f"unknown resample mode {mode!r}")
        self.mode, self.scale = mode, scale
        self.name = mode
        self.identity = f"resample:{mode}:x{scale}"

    def run(self, batch: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(np.ascontiguousarray(batch)).permute(0, 3, 1, 2)
        kw = {} if self.mode == "nearest" else {"align_corners": False}
        y = F.interpolate(x, scale_factor=self.scale, mode=self.mode, **kw)
        return y.clamp_(0, 1).permute(0, 2, 3, 1).numpy()
