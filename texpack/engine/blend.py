"""``detail`` for a texture model whose sharp partner has another architecture: the two
networks' outputs are blended, ``(1 - detail) * faithful + detail * sharp``.

Network interpolation (texpack/models/interp.py) blends weights and needs both models to
share one architecture; a card says ``detail_blend: output`` when its partner does not
(the SPAN default with the Compact sharp model), and the engine pool builds this instead.
It costs both networks' time for ``detail`` between 0 and 1.
"""

from __future__ import annotations

import numpy as np

from texpack.engine.base import Upscaler


class BlendUpscaler:
    def __init__(self, faithful: Upscaler, sharp: Upscaler, detail: float) -> None:
        if faithful.scale != sharp.scale:
            raise ValueError(f"{faithful.name} (x{faithful.scale}) and {sharp.name} (x{sharp.scale}) cannot be blended")
        self.faithful, self.sharp, self.detail = faithful, sharp, float(detail)
        self.name, self.scale = f"{faithful.name} + {sharp.name} @ {detail:g}", faithful.scale

    def seam_padding(self, h: int, w: int) -> bool:
        return self.faithful.seam_padding(h, w) and self.sharp.seam_padding(h, w)

    def run(self, batch: np.ndarray, as_uint8: bool = False, seam: str | None = None) -> np.ndarray:
        a = self.faithful.run(batch, as_uint8=False, seam=seam)
        b = self.sharp.run(batch, as_uint8=False, seam=seam)
        out = a * (1.0 - self.detail) + b * self.detail
        if as_uint8:
            return np.clip(np.floor(out * 255.0 + 0.5), 0, 255).astype(np.uint8)
        return out

    def close(self) -> None:
        for eng in (self.faithful, self.sharp):
            close = getattr(eng, "close", None)
            if close is not None:
                close()
