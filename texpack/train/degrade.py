"""Make a dump-like low-resolution texture from a high-resolution one.

A real dump is a small texture stored in one of the console's texture formats; the
network must learn to undo both the downscale and the format's quantisation. Every step
follows the format notes in ``docs/formats/n64.md`` and ``docs/formats/ps1.md``:

1. Downscale by the model's factor: box (area), plain bilinear (no antialiasing, the
   aliasing a quick downscale leaves) or, in training, antialiased bicubic (what image
   editors do by default), picked per sample. The evaluation sets keep ``DOWNSCALES``
   (area and bilinear), so their cases stay the same from run to run.
2. Quantise to one format, picked per sample:

   - N64 ``RGBA16``: 5-5-5-1; each 5-bit channel widened to 8 bits by bit replication,
     as GLideN64 widens it when dumping (``TxQuantize``), alpha 0 or 255.
   - N64 ``RGBA32``: 8 bits per channel, as stored.
   - N64 ``IA16``/``IA8``/``IA4``: grey intensity of 8/4/3 bits with alpha of 8/4/1 bits;
     the target is grey too, since such a texture never held colour.
   - N64 ``I8``/``I4``: grey of 8/4 bits, alpha equal to intensity (dumped as (I,I,I,I)).
   - N64 ``CI8``/``CI4``: a palette of 256/16 colours made for this texture (median cut),
     whose entries are RGBA16 colours, with or without error-diffusion dithering.
   - PS1 15-bit direct colour (``C16``): 5 bits per channel, widened as DuckStation dumps
     them (``(c*527+23)>>6``).
   - PS1 4/8-bit CLUT (``P4``/``P8``): a palette of 16/256 15-bit colours.

   PS1 and N64 colour conversions are applied with or without a 4x4 ordered (Bayer)
   dither first, as conversion tools and the PS1's own 24-to-15-bit path do.
3. Cut-out alpha: where the source has alpha, it is made 1-bit (area-averaged alpha at
   0.5), and the colour under hidden texels is replaced the way texpack prepares a dump
   (colour bleed, :func:`texpack.alpha.bleed`), so training sees what inference sees.

All functions take float32 arrays in [0, 1], ``(H, W, 3)`` colour and ``(H, W)`` alpha.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from texpack import alpha as alpha_ops

# Name -> relative frequency in training. Colour formats dominate real dumps.
FORMATS: dict[str, float] = {
    "rgba16": 4.0,
    "rgba32": 2.0,
    "ci4": 2.0,
    "ci8": 2.0,
    "ia16": 0.5,
    "ia8": 0.5,
    "ia4": 0.3,
    "i8": 0.5,
    "i4": 0.4,
    "psx-c16": 1.5,
    "psx-p4": 1.5,
    "psx-p8": 1.5,
}
GREY_FORMATS = ("ia16", "ia8", "ia4", "i8", "i4")
# Formats whose colours come from a small palette: the dump holds at most 16 or 256
# colours, so detail between them was lost twice (`texpack train --formats clut`).
CLUT_FORMATS = ("ci4", "ci8", "psx-p4", "psx-p8")
DOWNSCALES = ("area", "bilinear")
# Training mixes in the editors' antialiased bicubic too, so the model is not good only
# for the kernels it is evaluated on (benchmarks/quality.py --kernel measures each).
TRAIN_DOWNSCALES = ("area", "bilinear", "bicubic")
_BAYER4 = (np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]], np.float32) + 0.5) / 16.0 - 0.5


@dataclass(frozen=True, slots=True)
class Recipe:
    """One sample's degradation, chosen at random or given for a fixed validation set."""

    fmt: str
    downscale: str = "area"
    dither: bool = False


def pick_recipe(rng: np.random.Generator, downscales: tuple[str, ...] = DOWNSCALES, formats: tuple[str, ...] = ()) -> Recipe:
    """A random recipe; ``formats`` (names of FORMATS) limits the formats, keeping their weights."""
    names = list(formats or FORMATS)
    p = np.array([FORMATS[n] for n in names], np.float64)
    fmt = names[int(rng.choice(len(names), p=p / p.sum()))]
    return Recipe(fmt, downscales[int(rng.integers(len(downscales)))], bool(rng.random() < 0.35))


def luma(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma, the usual grey conversion of the tools that made I/IA textures."""
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def downscale(img: np.ndarray, factor: int, method: str) -> np.ndarray:
    """(H, W[, C]) float32 down by an integer factor; H and W must be multiples of it."""
    h, w = img.shape[:2]
    if h % factor or w % factor:
        raise ValueError(f"{w}x{h} is not a multiple of {factor}")
    if method == "area":
        return img.reshape(h // factor, factor, w // factor, factor, *img.shape[2:]).mean(axis=(1, 3))
    if method == "bilinear":
        # Sample between the two middle texels of each block, with no prefilter.
        lo, hi = factor // 2 - 1, factor // 2
        if factor == 1:
            return img.copy()
        a = img[lo::factor, lo::factor]
        b = img[hi::factor, hi::factor]
        c = img[lo::factor, hi::factor]
        d = img[hi::factor, lo::factor]
        return (a + b + c + d) * 0.25
    if method == "bicubic":
        # PIL's bicubic widens its kernel by the factor when reducing (antialiased), as
        # image editors do; one float32 channel at a time keeps full precision.
        chans = [img] if img.ndim == 2 else [img[..., c] for c in range(img.shape[2])]
        out = [np.asarray(Image.fromarray(np.ascontiguousarray(c, np.float32), "F").resize((w // factor, h // factor), Image.Resampling.BICUBIC)) for c in chans]
        return np.clip(out[0] if img.ndim == 2 else np.stack(out, axis=2), 0.0, 1.0).astype(np.float32)
    raise ValueError(f"unknown downscale {method!r}")


def _levels(x: np.ndarray, bits: int, dither: bool) -> np.ndarray:
    """Quantise to ``bits`` bits per channel (integer levels 0..2^bits-1)."""
    top = (1 << bits) - 1
    v = x * top
    if dither:
        h, w = x.shape[:2]
        m = np.tile(_BAYER4, (h // 4 + 1, w // 4 + 1))[:h, :w]
        v = v + (m[..., None] if x.ndim == 3 else m)
    return np.clip(np.floor(v + 0.5), 0, top)


def _widen(levels: np.ndarray, bits: int) -> np.ndarray:
    """N64 widening of an n-bit channel to 8 bits by bit replication, back to [0, 1]."""
    q = levels.astype(np.int32)
    v = q << (8 - bits)
    shift = bits
    while shift < 8:
        v |= q << (8 - bits) >> shift
        shift += bits
    return (v & 0xFF).astype(np.float32) / 255.0


def _widen_psx(levels: np.ndarray) -> np.ndarray:
    """DuckStation's 5-to-8-bit expansion ``(c*527+23)>>6`` (docs/formats/ps1.md "Dump side"), back to [0, 1]."""
    return ((levels.astype(np.int32) * 527 + 23) >> 6).astype(np.float32) / 255.0


def _palette(rgb: np.ndarray, colours: int, dither: bool, entry: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Median-cut palette of ``colours`` entries, each entry passed through ``entry``."""
    im = Image.fromarray(np.clip(rgb * 255 + 0.5, 0, 255).astype(np.uint8), "RGB")
    q = im.quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.FLOYDSTEINBERG if dither else Image.Dither.NONE)
    pal = np.asarray((q.getpalette() or [0] * 3)[: 3 * colours], np.float32).reshape(-1, 3) / 255.0
    pal = entry(pal)
    idx = np.asarray(q, np.int64)
    return pal[np.clip(idx, 0, len(pal) - 1)]


def quantise(rgb: np.ndarray, alpha: np.ndarray | None, recipe: Recipe) -> tuple[np.ndarray, np.ndarray | None]:
    """Colour and alpha as the format stores them; grey formats return grey colour."""
    fmt, d = recipe.fmt, recipe.dither
    if fmt == "rgba32":
        return np.floor(rgb * 255 + 0.5) / 255.0, alpha
    if fmt == "rgba16":
        return _widen(_levels(rgb, 5, d), 5), alpha
    if fmt in GREY_FORMATS:
        bits = {"ia16": 8, "ia8": 4, "ia4": 3, "i8": 8, "i4": 4}[fmt]
        i = _widen(_levels(luma(rgb), bits, d), bits)
        return np.repeat(i[..., None], 3, axis=2), alpha
    if fmt in ("ci4", "ci8"):
        n = 16 if fmt == "ci4" else 256
        return _palette(rgb, n, d, lambda p: _widen(_levels(p, 5, False), 5)), alpha
    if fmt == "psx-c16":
        return _widen_psx(_levels(rgb, 5, d)), alpha
    if fmt in ("psx-p4", "psx-p8"):
        n = 16 if fmt == "psx-p4" else 256
        return _palette(rgb, n, d, lambda p: _widen_psx(_levels(p, 5, False))), alpha
    raise ValueError(f"unknown format {fmt!r}")


def target_colour(rgb: np.ndarray, recipe: Recipe) -> np.ndarray:
    """The truth the network should produce for this recipe: grey for I/IA formats."""
    if recipe.fmt in GREY_FORMATS:
        return np.repeat(luma(rgb)[..., None], 3, axis=2)
    return rgb


def degrade(hr_rgb: np.ndarray, hr_alpha: np.ndarray | None, factor: int, recipe: Recipe) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(dump-like LR colour as the network sees it, target HR colour, LR 1-bit alpha or None).

    ``hr_alpha`` is None for opaque sources. Hidden LR texels get their colour bled in from
    visible ones, as :func:`texpack.imagesteps.prepare` does before the network.
    """
    target = target_colour(hr_rgb, recipe)
    lr = downscale(hr_rgb, factor, recipe.downscale)
    a = None
    if hr_alpha is not None:
        a = (downscale(hr_alpha, factor, "area") >= 0.5).astype(np.float32)
        if a.min() == 1.0:
            a = None
    lr, _ = quantise(lr, a, recipe)
    if a is not None:
        lr = alpha_ops.bleed(lr.astype(np.float32), a < 0.5)
    return lr.astype(np.float32), target.astype(np.float32), a
