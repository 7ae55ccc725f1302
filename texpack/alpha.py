"""Alpha policy: resolve what a texture's alpha means, bleed colour under it, snap it back.

The rules follow what each format's alpha means in the dumps and how the loaders read
it (docs/formats/n64.md "GLideN64 dumps", docs/formats/ps1.md "Alpha in replacements").
"""

from __future__ import annotations

import numpy as np

from texpack.alpha_modes import AlphaMode

ST_SEMI = 0x8F  # DuckStation writes semi-transparent texels with alpha 0x8F (docs/formats/ps1.md "Dump side")


def resolve(mode: AlphaMode, key_mode: AlphaMode, alpha: np.ndarray) -> AlphaMode:
    """The concrete mode for one texture: profile setting, else the key's rule, else the pixels."""
    chosen = key_mode if mode is AlphaMode.AUTO else mode
    lo, hi = int(alpha.min()), int(alpha.max())
    if chosen is AlphaMode.INTENSITY:
        return chosen
    if lo == hi == 255:
        return AlphaMode.OPAQUE  # nothing to upscale
    if chosen is AlphaMode.AUTO:
        # CI textures: an RGBA16 palette gives 0/255 only, an IA16 palette anything.
        levels = np.unique(alpha)
        return AlphaMode.BINARY if set(levels.tolist()) <= {0, 255} else AlphaMode.GRADED
    if chosen is AlphaMode.LEVELS and len(np.unique(alpha)) > 4:
        return AlphaMode.GRADED
    return chosen


def transparent_mask(rgba: np.ndarray, mode: AlphaMode) -> np.ndarray:
    """Texels whose colour the emulator never shows, so their RGB may be replaced."""
    a = rgba[..., 3]
    if mode in (AlphaMode.BINARY, AlphaMode.BINARY_CLEAR):
        return a < 128
    if mode is AlphaMode.TERNARY:
        return (a == 0) & (rgba[..., :3].max(axis=-1) == 0)
    if mode is AlphaMode.GRADED:
        return a == 0
    # LEVELS (DuckStation vram-write): alpha is the STP bit copied into VRAM and every
    # texel is drawn, so alpha 0 texels keep their own colour (docs/formats/ps1.md
    # "Alpha in replacements").
    return np.zeros(a.shape, bool)


def bleed(rgb: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Fill hidden texels with the colour of the nearest visible ones (push-pull).

    Without this the junk (usually black) RGB under transparent texels bleeds into the
    upscaled edge and paints a dark rim around every cut-out. ``rgb`` is float32 (H, W, 3).
    """
    if not hidden.any():
        return rgb
    known = ~hidden
    if not known.any():
        return rgb
    w0 = known.astype(np.float32)
    levels = [(rgb * w0[..., None], w0)]
    while max(levels[-1][1].shape) > 1:
        c, w = levels[-1]
        h, wd = w.shape
        ph, pw = h % 2, wd % 2
        if ph or pw:
            c = np.pad(c, ((0, ph), (0, pw), (0, 0)))
            w = np.pad(w, ((0, ph), (0, pw)))
        c2 = c.reshape(c.shape[0] // 2, 2, c.shape[1] // 2, 2, 3).sum(axis=(1, 3))
        w2 = w.reshape(w.shape[0] // 2, 2, w.shape[1] // 2, 2).sum(axis=(1, 3))
        levels.append((c2, w2))
    # Pull: the coarsest level's average fills what finer levels lack.
    c, w = levels[-1]
    fill = c / np.maximum(w, 1e-8)[..., None]
    for c, w in reversed(levels[:-1]):
        up = np.repeat(np.repeat(fill, 2, axis=0), 2, axis=1)[: w.shape[0], : w.shape[1]]
        avg = c / np.maximum(w, 1e-8)[..., None]
        fill = np.where((w > 0)[..., None], avg, up)
    out = rgb.copy()
    out[hidden] = fill[hidden]
    return out


def snap(alpha: np.ndarray, mode: AlphaMode, levels: np.ndarray | None = None) -> np.ndarray:
    """Snap an upscaled float alpha in [0, 1] to the levels the loader reads; returns uint8."""
    a8 = np.clip(alpha * 255.0 + 0.5, 0, 255).astype(np.uint8)
    if mode in (AlphaMode.BINARY, AlphaMode.BINARY_CLEAR):
        return np.where(a8 >= 128, 255, 0).astype(np.uint8)
    if mode is AlphaMode.TERNARY:
        # Midpoints between 0, 0x8F and 255; the loader reads <=242 as semi (docs/formats/ps1.md "Alpha in replacements").
        return np.select([a8 < 72, a8 < 199], [0, ST_SEMI], 255).astype(np.uint8)
    if mode is AlphaMode.LEVELS and levels is not None and len(levels):
        lv = np.asarray(levels, np.int16)
        idx = np.abs(a8[..., None].astype(np.int16) - lv).argmin(axis=-1)
        return lv[idx].astype(np.uint8)
    return a8


def finish(rgb: np.ndarray, alpha: np.ndarray | None, mode: AlphaMode, levels: np.ndarray | None = None) -> np.ndarray:
    """Combine an upscaled RGB (H, W, 3; float in [0, 1] or already uint8) and alpha into the
    RGBA8 the loader expects."""
    out = np.empty(rgb.shape[:2] + (4,), np.uint8)
    out[..., :3] = rgb if rgb.dtype == np.uint8 else np.clip(rgb * 255.0 + 0.5, 0, 255).astype(np.uint8)
    if mode is AlphaMode.INTENSITY:
        # I4/I8 dump as (I,I,I,I): alpha follows intensity (docs/formats/n64.md "GLideN64 dumps").
        out[..., 3] = out[..., :3].astype(np.uint16).sum(axis=-1) // 3
        return out
    if mode is AlphaMode.OPAQUE or alpha is None:
        out[..., 3] = 255
        return out
    a = snap(alpha, mode, levels)
    out[..., 3] = a
    if mode is AlphaMode.BINARY_CLEAR:
        out[a == 0, :3] = 0  # RGB zeroed where transparent (docs/formats/ps1.md "Alpha in replacements")
    elif mode is AlphaMode.TERNARY:
        out[a == 0, :3] = 0  # exact (0,0,0,0), or the loader reads it as semi (docs/formats/ps1.md "Alpha in replacements")
    return out
