"""``--quality max``: the x8 self-ensemble.

A network is not equivariant to flips and quarter turns, so its outputs for the eight
flipped and rotated copies of a texture differ a little; turning each back and averaging
them removes part of each one's error (Lim et al. 2017, EDSR, section 3.4: "geometric
self-ensemble"). It costs eight network runs per texture, so it is for distributable builds,
not for live mode; ``benchmarks/quality.py`` measures its gain.
"""

from __future__ import annotations

import numpy as np

from texpack.engine.base import Upscaler

# (quarter turns, mirror left-right) of the eight symmetries of a square
TRANSFORMS = tuple((k, flip) for flip in (False, True) for k in range(4))


def _forward(x: np.ndarray, k: int, flip: bool) -> np.ndarray:
    y = x[:, :, ::-1] if flip else x
    return np.rot90(y, k, axes=(1, 2))


def _backward(y: np.ndarray, k: int, flip: bool) -> np.ndarray:
    y = np.rot90(y, -k, axes=(1, 2))
    return y[:, :, ::-1] if flip else y


class EnsembleUpscaler:
    """Wraps an engine: each batch runs in all eight orientations and the results are averaged."""

    def __init__(self, inner: Upscaler) -> None:
        self.inner = inner
        self.name, self.scale = f"{inner.name} (x8 ensemble)", inner.scale

    def seam_padding(self, h: int, w: int) -> bool:
        return self.inner.seam_padding(h, w) and self.inner.seam_padding(w, h)

    def run(self, batch: np.ndarray, as_uint8: bool = False, seam: str | None = None) -> np.ndarray:
        # A seam mode is the same on both axes (netpad.net_mode), so it survives turns and flips.
        total: np.ndarray | None = None
        for k, flip in TRANSFORMS:
            y = _backward(self.inner.run(np.ascontiguousarray(_forward(batch, k, flip)), as_uint8=False, seam=seam), k, flip)
            total = y.astype(np.float32) if total is None else total + y
        assert total is not None
        out = total / len(TRANSFORMS)
        if as_uint8:
            return np.clip(np.floor(out * 255.0 + 0.5), 0, 255).astype(np.uint8)
        return out

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()
