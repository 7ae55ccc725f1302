"""``detail`` for a texture model whose sharp partner has another architecture: the faithful
network's picture with the sharp network's finest detail added, ``detail`` times.

Network interpolation (texpack/models/interp.py) blends weights and needs both models to
share one architecture; a card says ``detail_blend: output`` when its partner does not
(the SPAN default with the Compact sharp model), and the engine pool builds this instead.

Blending the two outputs whole, ``(1 - detail) * faithful + detail * sharp``, also takes
the sharp model's broader shapes and colours, which are further from the original than the
faithful model's. Only its fine detail is what it adds, so the blend swaps the finest band:
``faithful + detail * (highpass(sharp) - highpass(faithful))``, highpass being what a
Gaussian of :data:`BAND_SIGMA` output pixels removes. Measured on colobot and photographs
(benchmarks/detail_blend.py; README "Models"): at the same sharpness the band blend is 0.3-0.7 dB
(colobot) and 0.7-1.3 dB (photographs) more faithful than the whole-output blend. It costs both networks' time for ``detail`` > 0.
"""

from __future__ import annotations

import numpy as np

from texpack.engine.base import Upscaler

# Output pixels (a quarter texel at x4): the band the sharp model's grain and edges live in.
# 0.75 gave the best sharpness for faithfulness of 0.5, 0.75 and 1.0 on colobot.
BAND_SIGMA = 0.75


def highpass(x: np.ndarray, sigma: float = BAND_SIGMA) -> np.ndarray:
    """``x`` minus its Gaussian blur (separable, edges replicated), per image and channel of (N, H, W, C)."""
    r = max(1, int(3 * sigma + 0.5))
    t = np.arange(-r, r + 1, dtype=np.float32)
    g = np.exp(-(t**2) / (2 * sigma * sigma))
    g /= g.sum()
    pad = np.pad(x, ((0, 0), (r, r), (r, r), (0, 0)), mode="edge")
    rows = sum(g[i] * pad[:, i : i + x.shape[1], :, :] for i in range(2 * r + 1))
    blur = sum(g[i] * rows[:, :, i : i + x.shape[2], :] for i in range(2 * r + 1))
    return x - blur


class BlendUpscaler:
    def __init__(self, faithful: Upscaler, sharp: Upscaler, detail: float) -> None:
        if faithful.scale != sharp.scale:
            raise ValueError(f"{faithful.name} (x{faithful.scale}) and {sharp.name} (x{sharp.scale}) cannot be blended")
        self.faithful, self.sharp, self.detail = faithful, sharp, float(detail)
        self.name, self.scale = f"{faithful.name} + {sharp.name} detail @ {detail:g}", faithful.scale

    def seam_padding(self, h: int, w: int) -> bool:
        return self.faithful.seam_padding(h, w) and self.sharp.seam_padding(h, w)

    def run(self, batch: np.ndarray, as_uint8: bool = False, seam: str | None = None) -> np.ndarray:
        a = self.faithful.run(batch, as_uint8=False, seam=seam)
        b = self.sharp.run(batch, as_uint8=False, seam=seam)
        out = np.clip(a + self.detail * (highpass(b) - highpass(a)), 0.0, 1.0)
        if as_uint8:
            return np.floor(out * 255.0 + 0.5).astype(np.uint8)
        return out

    def close(self) -> None:
        for eng in (self.faithful, self.sharp):
            close = getattr(eng, "close", None)
            if close is not None:
                close()
