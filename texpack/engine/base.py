"""The engine interface the pipeline talks to, and the plain resampling engine."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Upscaler(Protocol):
    """Upscales batches of same-size RGB images by a fixed native factor.

    ``run`` takes float32 ``(N, H, W, 3)`` in [0, 1] and returns ``(N, H*scale, W*scale, 3)``:
    float32 in [0, 1], or uint8 rounded as ``floor(x * 255 + 0.5)`` with ``as_uint8``.
    ``seam`` asks for the seams to be padded inside the network, in that padding mode
    (texpack/engine/netpad.py), for an image size :meth:`seam_padding` accepts.
    """

    name: str
    scale: int

    def seam_padding(self, h: int, w: int) -> bool: ...

    def run(self, batch: np.ndarray, as_uint8: bool = False, seam: str | None = None) -> np.ndarray: ...


def no_seam(engine: Upscaler, seam: str | None) -> None:
    """For engines that only take seam context as texels."""
    if seam is not None:
        raise ValueError(f"{engine.name} cannot pad seams inside the network")


RESAMPLE_MODES = ("nearest", "bilinear", "bicubic")


class ResampleUpscaler:
    """A classical resize, for previews and tests; no network."""

    def __init__(self, mode: str = "bicubic", scale: int = 4) -> None:
        if mode not in RESAMPLE_MODES:
            raise ValueError(f"unknown resample mode {mode!r}")
        self.mode, self.scale = mode, scale
        self.name = mode

    def seam_padding(self, h: int, w: int) -> bool:
        return False

    def run(self, batch: np.ndarray, as_uint8: bool = False, seam: str | None = None) -> np.ndarray:
        no_seam(self, seam)
        # PyTorch is imported here, not with the module: the pool's warm-up imports it on a
        # thread while the caller reads the dump (texpack/engine/pool.py).
        import torch
        from torch.nn import functional as F

        x = torch.from_numpy(np.ascontiguousarray(batch)).permute(0, 3, 1, 2)
        kw = {} if self.mode == "nearest" else {"align_corners": False}
        y = F.interpolate(x, scale_factor=self.scale, mode=self.mode, **kw).clamp_(0, 1).permute(0, 2, 3, 1)
        if as_uint8:
            y = y.mul(255.0).add_(0.5).floor_().to(torch.uint8)
        return y.numpy()
