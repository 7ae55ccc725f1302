"""Per-texture image work around the network: prepare (alpha, bleed, seam padding) and finish.

The order matters and lives here only: resolve what alpha means → bleed colour under
hidden texels → pad the way the texture repeats → network → crop → exact target size →
snap alpha to the levels the loader reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from texpack import alpha as alpha_ops
from texpack import seams
from texpack.alpha_modes import AlphaMode, SeamMode
from texpack.engine.base import Upscaler

PAD = 8  # LR texels of seam context on each side of textures 32 px and larger
SMALL_PAD = 4  # smaller textures: 8 px would more than double the network's work
PIPELINE_VERSION = "4"  # bump when the output of the same input and settings changes


@dataclass(frozen=True, slots=True)
class Prepared:
    rgb: np.ndarray  # (H+2P, W+2P, 3) float32, bled and padded
    alpha: np.ndarray | None  # (H+2P, W+2P) float32 padded, or None when alpha is not carried
    mode: AlphaMode
    levels: np.ndarray | None
    size: tuple[int, int]
    pad: int
    color_fix: bool = False

    @property
    def net_alpha(self) -> bool:
        """Graded alpha goes through the network; 1-bit, 3-level and intensity alpha do not."""
        return self.mode is AlphaMode.GRADED

    @property
    def shape(self) -> tuple[int, int]:
        return self.rgb.shape[0], self.rgb.shape[1]


def prepare(rgba: np.ndarray, alpha_mode: AlphaMode, key_mode: AlphaMode, seam: SeamMode, color_fix: bool = False) -> Prepared:
    mode = alpha_ops.resolve(alpha_mode, key_mode, rgba[..., 3])
    rgb = rgba[..., :3].astype(np.float32) / 255.0
    hidden = alpha_ops.transparent_mask(rgba, mode)
    rgb = alpha_ops.bleed(rgb, hidden)
    modes = seams.resolve(seam, rgb)
    pad = pad_for(rgba.shape[0], rgba.shape[1])
    a = None
    levels = None
    if mode not in (AlphaMode.OPAQUE, AlphaMode.INTENSITY):
        a = seams.pad(rgba[..., 3:4].astype(np.float32) / 255.0, modes, pad)[..., 0]
        if mode is AlphaMode.LEVELS:
            levels = np.unique(rgba[..., 3])
        elif mode is AlphaMode.TERNARY:
            present = np.unique(alpha_ops.snap(rgba[..., 3].astype(np.float32) / 255.0, mode))
            levels = present if len(present) > 1 else None
    return Prepared(seams.pad(rgb, modes, pad), a, mode, levels, (rgba.shape[0], rgba.shape[1]), pad, color_fix)


def pad_for(h: int, w: int) -> int:
    return PAD if min(h, w) >= 32 else SMALL_PAD


def resize(img: np.ndarray, h: int, w: int) -> np.ndarray:
    """Bicubic resize of (H, W[, C]) float32, antialiased when shrinking."""
    x = torch.from_numpy(np.ascontiguousarray(img))
    x = x[None, None] if x.ndim == 2 else x.permute(2, 0, 1)[None]
    if x.shape[-2:] == (h, w):
        return img
    shrink = h < x.shape[-2] or w < x.shape[-1]
    y = F.interpolate(x, size=(h, w), mode="bicubic", align_corners=False, antialias=shrink).clamp_(0, 1)
    return y[0, 0].numpy() if img.ndim == 2 else y[0].permute(1, 2, 0).numpy()


def _match_mean(rgb: np.ndarray, src: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    """Shift each channel so the visible texels' average equals the dump's (the common colour fix).

    Networks trained on photos drift colour and contrast a little; a per-channel offset
    removes the drift in the average without touching detail.
    """
    h, w = src.shape[:2]
    k = rgb.shape[0] // h
    down = rgb.reshape(h, k, w, k, 3).mean(axis=(1, 3))
    vis = np.ones((h, w), bool) if alpha is None else alpha > 0.5
    if not vis.any():
        return rgb
    shift = src[vis].mean(axis=0) - down[vis].mean(axis=0)
    return np.clip(rgb + shift, 0, 1)


def _upscale_levels(alpha: np.ndarray, levels: np.ndarray, h: int, w: int) -> np.ndarray:
    """Upscale a few-level alpha as one mask per level and keep the strongest at each texel.

    Interpolating the alpha values themselves would pass through the middle level wherever
    transparent meets opaque, and invent a band of semi-transparent texels there.
    """
    lv = np.asarray(levels, np.float32)
    idx = np.abs(alpha[..., None] * 255.0 - lv).argmin(axis=-1)
    onehot = (idx[..., None] == np.arange(len(lv))).astype(np.float32)
    return lv[resize(onehot, h, w).argmax(axis=-1)] / 255.0


def upscale_group(engine: Upscaler, items: list[Prepared], scale: int) -> list[np.ndarray]:
    """Upscale same-shape prepared textures in one batch; returns RGBA8 at exactly ``scale``x."""
    if not items:
        return []
    shapes = {p.shape for p in items}
    if len(shapes) != 1:
        raise ValueError(f"upscale_group needs one shape, got {sorted(shapes)}")
    batch = [p.rgb for p in items] + [np.repeat(p.alpha[..., None], 3, axis=2) for p in items if p.net_alpha]  # type: ignore[index]
    out = engine.run(np.stack(batch))
    s = engine.scale
    results = []
    extra = len(items)
    for i, p in enumerate(items):
        h, w = p.size
        P = p.pad
        rgb = out[i, P * s : (P + h) * s, P * s : (P + w) * s]
        rgb = resize(rgb, h * scale, w * scale)
        if p.color_fix:
            rgb = _match_mean(rgb, p.rgb[P : P + h, P : P + w], p.alpha[P : P + h, P : P + w] if p.alpha is not None else None)
        a = None
        if p.net_alpha:
            a = out[extra, P * s : (P + h) * s, P * s : (P + w) * s].mean(axis=2)
            a = resize(a, h * scale, w * scale)
            extra += 1
        elif p.alpha is not None:
            hp, wp = p.alpha.shape
            if p.levels is not None:
                a = _upscale_levels(p.alpha, p.levels, hp * scale, wp * scale)
            else:
                a = resize(p.alpha, hp * scale, wp * scale)
            a = a[P * scale : (P + h) * scale, P * scale : (P + w) * scale]
        results.append(alpha_ops.finish(rgb, a, p.mode, p.levels))
    return results
