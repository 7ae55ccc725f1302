"""Tiled inference with overlap and feathered blending, so big images fit and tiles never show.

Tiles are cut from the host array and sent one at a time, so the whole image never has to
sit on the device. Weights ramp linearly across each overlap and are 1 at the image edges.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import torch

# Overlap between tiles in source texels: more than either network sees (Compact 17 texels
# each way, SPAN about 20), so blended tiles never show.
TILE_OVERLAP = 48
MIN_TILE = 32


def ram_bytes() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 << 30


def tile_for(budget: float, bytes_per_px: float, top: int, floor: int = MIN_TILE) -> int:
    """The largest tile side (a multiple of 8, within ``floor``..``top``) whose working memory,
    ``bytes_per_px`` per source pixel, fits in ``budget`` bytes. Tiles cost their overlaps, so
    each engine picks them only as small as memory needs."""
    side = int((budget / bytes_per_px) ** 0.5)
    return max(floor, min(top, side // 8 * 8))


def tile_starts(n: int, tile: int, overlap: int) -> list[int]:
    if n <= tile:
        return [0]
    step = max(1, tile - overlap)
    starts = list(range(0, n - tile, step))
    starts.append(n - tile)
    return starts


def _ramp(length: int, start: int, n: int, overlap: int, scale: int) -> torch.Tensor:
    """1D weights for a tile covering [start, start+length) of an axis of size n (HR units).

    Inside an overlap the weight is 0 for the ``overlap // 3`` texels nearest the tile's cut
    edge (they lack context), then ramps linearly to 1; image edges keep weight 1.
    """
    w = torch.ones(length * scale)
    o = overlap * scale
    if o <= 0:
        return w
    dead = (overlap // 3) * scale
    ramp = ((torch.arange(o, dtype=torch.float32) + 0.5 - dead) / max(1, o - 2 * dead)).clamp_(0, 1)
    if start > 0:
        w[:o] = torch.minimum(w[:o], ramp)
    if start + length < n:
        w[-o:] = torch.minimum(w[-o:], ramp.flip(0))
    return w


def run_tiled(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, scale: int, tile: int, overlap: int) -> torch.Tensor:
    """Apply ``fn`` (NCHW -> NCHW x scale) to ``x`` in tiles of ``tile`` LR pixels."""
    n, c, h, w = x.shape
    if h <= tile and w <= tile:
        return fn(x)
    overlap = min(overlap, tile // 2)
    out = torch.zeros(n, c, h * scale, w * scale)
    acc = torch.zeros(1, 1, h * scale, w * scale)
    for y0 in tile_starts(h, tile, overlap):
        th = min(tile, h)
        wy = _ramp(th, y0, h, overlap, scale)
        for x0 in tile_starts(w, tile, overlap):
            tw = min(tile, w)
            wx = _ramp(tw, x0, w, overlap, scale)
            part = fn(x[:, :, y0 : y0 + th, x0 : x0 + tw]).float().cpu()
            weight = (wy[:, None] * wx[None, :])[None, None]
            ys, xs = slice(y0 * scale, (y0 + th) * scale), slice(x0 * scale, (x0 + tw) * scale)
            out[:, :, ys, xs] += part * weight
            acc[:, :, ys, xs] += weight
    return out / acc.clamp_(min=1e-8)
