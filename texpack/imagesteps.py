"""Per-texture image work around the network: prepare (alpha, bleed, seam padding) and finish.

The order matters and lives here only: resolve what alpha means → bleed colour under
hidden texels → pad the way the texture repeats → network → crop → exact target size →
snap alpha to the levels the loader reads.

Seam context comes one of two ways: texels of the repeat around the texture (texpack/seams.py
pad), or, where the engine can (texpack/engine/netpad.py), the network's own convolutions
padding that way, so the network sees exactly the texture's texels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from texpack import alpha as alpha_ops
from texpack import seams
from texpack.alpha_modes import AlphaMode, SeamMode
from texpack.engine.base import Upscaler

PAD = 8  # LR texels of seam context on each side of textures 32 px and larger
SMALL_PAD = 4  # smaller textures: 8 px would more than double the network's work
PIPELINE_VERSION = "5"  # bump when the output of the same input and settings changes
LARGE_OUTPUT_PX = 8 << 20  # outputs above this go band by band (upscale_large)
BAND_OUTPUT_PX = 4 << 20  # output pixels of one band, at the model's scale (a float band: ~50 MB)
BAND_MARGIN = 24  # LR rows of context above and below a band: more than the compact net sees


@dataclass(frozen=True, slots=True)
class Prepared:
    rgb: np.ndarray  # (H+2P, W+2P, 3) float32, bled and padded
    alpha: np.ndarray | None  # (H+2P, W+2P) float32 padded, or None when alpha is not carried
    mode: AlphaMode
    levels: np.ndarray | None
    size: tuple[int, int]  # (h, w) of the texture (or of a band of it) inside the padded arrays
    pad: int  # texels of context left and right (and above and below, unless ``top`` says)
    color_fix: bool = False
    top: int = -1  # texels of context above, when it differs from ``pad`` (a band of a texture)
    seam: str | None = None  # the network pads the seams itself, in this mode (``pad`` is then 0)
    alpha_pad: int = -1  # texels of context around ``alpha`` when it differs from ``pad``

    @property
    def y0(self) -> int:
        return self.pad if self.top < 0 else self.top

    @property
    def alpha_origin(self) -> tuple[int, int]:
        """(top, left) of the texture inside ``alpha``."""
        return (self.y0, self.pad) if self.alpha_pad < 0 else (self.alpha_pad, self.alpha_pad)

    @property
    def net_alpha(self) -> bool:
        """Graded alpha goes through the network; 1-bit, 3-level and intensity alpha do not."""
        return self.mode is AlphaMode.GRADED and self.alpha is not None

    @property
    def shape(self) -> tuple[int, int]:
        return self.rgb.shape[0], self.rgb.shape[1]


def seams_in_net(engine: Upscaler, h: int, w: int, scale: int) -> bool:
    """Whether the network can pad an ``h`` x ``w`` texture's seams itself: it runs whole
    (not band by band, not in tiles) on an engine whose network allows it."""
    return h * w * scale * scale <= LARGE_OUTPUT_PX and engine.seam_padding(h, w)


def prepare(rgba: np.ndarray, alpha_mode: AlphaMode, key_mode: AlphaMode, seam: SeamMode, color_fix: bool = False,
            in_net: bool = False) -> Prepared:
    """``in_net``: the engine may pad the seams inside the network (:func:`seams_in_net`)."""
    mode = alpha_ops.resolve(alpha_mode, key_mode, rgba[..., 3])
    rgb = rgba[..., :3].astype(np.float32) / 255.0
    hidden = alpha_ops.transparent_mask(rgba, mode)
    rgb = alpha_ops.bleed(rgb, hidden)
    modes = seams.resolve(seam, rgb)
    net = seams.net_mode(modes) if in_net else None
    texels = pad_for(rgba.shape[0], rgba.shape[1])
    pad = 0 if net else texels
    a = None
    levels = None
    alpha_pad = -1
    if mode not in (AlphaMode.OPAQUE, AlphaMode.INTENSITY):
        # Alpha that goes through the network shares its input's shape; alpha that is only
        # resized keeps its seam context as texels, which cost no network time.
        if net and mode is not AlphaMode.GRADED:
            alpha_pad = texels
        a = seams.pad(rgba[..., 3:4].astype(np.float32) / 255.0, modes, texels if alpha_pad >= 0 else pad)[..., 0]
        if mode is AlphaMode.LEVELS:
            levels = np.unique(rgba[..., 3])
        elif mode is AlphaMode.TERNARY:
            present = np.unique(alpha_ops.snap(rgba[..., 3].astype(np.float32) / 255.0, mode))
            levels = present if len(present) > 1 else None
    return Prepared(seams.pad(rgb, modes, pad), a, mode, levels, (rgba.shape[0], rgba.shape[1]), pad, color_fix, seam=net, alpha_pad=alpha_pad)


def pad_for(h: int, w: int) -> int:
    return PAD if min(h, w) >= 32 else SMALL_PAD


def resize(img: np.ndarray, h: int, w: int) -> np.ndarray:
    """Bicubic resize of (H, W[, C]) float32, antialiased when shrinking."""
    import torch  # here, so opening a game does not wait for PyTorch (texpack/engine/pool.py)
    from torch.nn import functional as F

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


def _finish(out: np.ndarray, out_alpha: np.ndarray | None, p: Prepared, s: int, scale: int, fix_colour: bool = True) -> np.ndarray:
    """Crop a network output (model scale ``s``) to the texture, size it to ``scale``, finish alpha."""
    h, w = p.size
    t, left = p.y0, p.pad
    if out.dtype == np.uint8:  # already 8-bit at the pack's scale (see upscale_group)
        rgb = out[t * s : (t + h) * s, left * s : (left + w) * s]
        if out_alpha is not None:
            out_alpha = out_alpha.astype(np.float32) / 255.0
    else:
        rgb = resize(out[t * s : (t + h) * s, left * s : (left + w) * s], h * scale, w * scale)
    at, al = p.alpha_origin
    if fix_colour and p.color_fix:
        rgb = _match_mean(rgb, p.rgb[t : t + h, left : left + w], p.alpha[at : at + h, al : al + w] if p.alpha is not None else None)
    a = None
    if out_alpha is not None:
        a = resize(out_alpha[t * s : (t + h) * s, left * s : (left + w) * s].mean(axis=2), h * scale, w * scale)
    elif p.alpha is not None:
        hp, wp = p.alpha.shape
        if p.levels is not None:
            a = _upscale_levels(p.alpha, p.levels, hp * scale, wp * scale)
        else:
            a = resize(p.alpha, hp * scale, wp * scale)
        a = a[at * scale : (at + h) * scale, al * scale : (al + w) * scale]
    return alpha_ops.finish(rgb, a, p.mode, p.levels)


def upscale_group(engine: Upscaler, items: list[Prepared], scale: int) -> list[np.ndarray]:
    """Upscale same-shape prepared textures in one batch; returns RGBA8 at exactly ``scale``x.

    A texture whose output is large goes through :func:`upscale_large` instead, band by band.
    """
    if not items:
        return []
    shapes = {(p.shape, p.seam) for p in items}
    if len(shapes) != 1:
        raise ValueError(f"upscale_group needs one shape and seam mode, got {sorted(shapes, key=str)}")
    h, w = items[0].size
    if h * w * scale * scale > LARGE_OUTPUT_PX:
        return [upscale_large(engine, p, scale) for p in items]
    batch = [p.rgb for p in items] + [np.repeat(p.alpha[..., None], 3, axis=2) for p in items if p.net_alpha and p.alpha is not None]
    # At the model's own scale and without the colour fix, nothing needs float output:
    # the engine rounds to 8 bits itself (on the device), exactly as finishing would.
    as_uint8 = engine.scale == scale and not any(p.color_fix for p in items)
    out = engine.run(np.stack(batch), as_uint8=as_uint8, seam=items[0].seam)
    results = []
    extra = len(items)
    for i, p in enumerate(items):
        a = None
        if p.net_alpha:
            a = out[extra]
            extra += 1
        results.append(_finish(out[i], a, p, engine.scale, scale))
    return results


def _band(p: Prepared, r0: int, r1: int, margin: int) -> Prepared:
    """Rows ``r0:r1`` of the texture with ``margin`` rows of context each side (as far as there are)."""
    a0 = max(0, p.pad + r0 - margin)
    a1 = min(p.rgb.shape[0], p.pad + r1 + margin)
    alpha = p.alpha[a0:a1] if p.alpha is not None else None
    return Prepared(p.rgb[a0:a1], alpha, p.mode, p.levels, (r1 - r0, p.size[1]), p.pad, False, p.pad + r0 - a0)


def upscale_large(engine: Upscaler, p: Prepared, scale: int, band_px: int = BAND_OUTPUT_PX) -> np.ndarray:
    """One large texture in bounded memory: bands of rows, each with context above and below,
    finished straight into the RGBA8 output; no float copy of the whole output is ever made.

    The colour fix needs the whole texture's average: it is summed band by band and
    applied to the finished 8-bit output at the end.
    """
    h, w = p.size
    out = np.empty((h * scale, w * scale, 4), np.uint8)
    rows = max(4, band_px // max(1, (w + 2 * p.pad) * engine.scale * engine.scale))
    sums = np.zeros(3, np.float64)
    src_sums = np.zeros(3, np.float64)
    n_vis = 0
    for r0 in range(0, h, rows):
        r1 = min(h, r0 + rows)
        b = _band(p, r0, r1, BAND_MARGIN)
        batch = [b.rgb] + ([np.repeat(b.alpha[..., None], 3, axis=2)] if b.net_alpha and b.alpha is not None else [])
        res = engine.run(np.stack(batch))
        done = _finish(res[0], res[1] if b.net_alpha else None, b, engine.scale, scale, fix_colour=False)
        out[r0 * scale : r1 * scale] = done
        if p.color_fix:
            t, left = b.y0, b.pad
            vis = done[..., 3] > 127 if p.alpha is not None else np.ones(done.shape[:2], bool)
            down_vis = vis.reshape(r1 - r0, scale, w, scale).all(axis=(1, 3))
            down = done[..., :3].reshape(r1 - r0, scale, w, scale, 3).mean(axis=(1, 3)) / 255.0
            src = b.rgb[t : t + r1 - r0, left : left + w]
            sums += down[down_vis].sum(axis=0)
            src_sums += src[down_vis].sum(axis=0)
            n_vis += int(down_vis.sum())
    if p.color_fix and n_vis:
        shift = np.round((src_sums - sums) / n_vis * 255.0).astype(np.int16)
        for r0 in range(0, out.shape[0], 256):
            part = out[r0 : r0 + 256, :, :3].astype(np.int16) + shift
            out[r0 : r0 + 256, :, :3] = np.clip(part, 0, 255).astype(np.uint8)
    return out
