"""Seam handling: pad a texture the way it repeats in the game before upscaling it."""

from __future__ import annotations

from typing import Literal

import numpy as np

from texpack.alpha_modes import SeamMode

_NP_MODE: dict[SeamMode, Literal["wrap", "symmetric", "edge"]] = {SeamMode.WRAP: "wrap", SeamMode.MIRROR: "symmetric", SeamMode.CLAMP: "edge"}


def is_tileable(rgb: np.ndarray, axis: int) -> bool:
    """True when the texture's opposite edges along ``axis`` meet as smoothly as its interior.

    ``axis`` 1 compares the left and right columns, 0 the top and bottom rows.
    """
    n = rgb.shape[axis]
    if n < 4:
        return False
    first = np.take(rgb, 0, axis=axis)
    last = np.take(rgb, n - 1, axis=axis)
    wrap_diff = float(np.abs(first - last).mean())
    # Mean step between each pair of neighbouring lines; the seam should look like one of them.
    other = tuple(a for a in range(rgb.ndim) if a != axis)
    steps = np.abs(np.diff(rgb, axis=axis)).mean(axis=other)
    return wrap_diff <= 1.25 * float(np.percentile(steps, 90)) + 1.0 / 255.0


def resolve(mode: SeamMode, rgb: np.ndarray) -> tuple[SeamMode, SeamMode]:
    """Per-axis padding (rows, columns) for one texture."""
    if mode is not SeamMode.AUTO:
        return mode, mode
    rows, cols = (SeamMode.WRAP if is_tileable(rgb, ax) else SeamMode.MIRROR for ax in (0, 1))
    return rows, cols


# The convolutions' own padding mode for a seam (texpack/engine/netpad.py): one-texel padding,
# all a 3x3 convolution needs, of a mirror repeats the edge texel, as clamp does.
_NET_MODE = {SeamMode.WRAP: "circular", SeamMode.MIRROR: "replicate", SeamMode.CLAMP: "replicate"}


def net_mode(modes: tuple[SeamMode, SeamMode]) -> str | None:
    """The convolutions' padding mode for a texture's (rows, columns) seams, or None when the
    two axes need different ones (a convolution pads both axes alike: such a texture gets texels)."""
    rows, cols = (_NET_MODE.get(m) for m in modes)
    return rows if rows is not None and rows == cols else None


def pad(img: np.ndarray, modes: tuple[SeamMode, SeamMode], size: int) -> np.ndarray:
    """Pad (H, W, C) by ``size`` texels on every side, rows then columns."""
    if size <= 0:
        return img
    extra: list[tuple[int, int]] = [(0, 0)] * (img.ndim - 2)
    # np.pad's wrap and symmetric cannot pad past the image size in one go; repeat if needed.
    out = img
    for axis, mode in enumerate(modes):
        left = size
        while left > 0:
            step = min(left, out.shape[axis])
            widths = [(0, 0), (0, 0)]
            widths[axis] = (step, step)
            out = np.pad(out, widths + extra, mode=_NP_MODE[mode])
            left -= step
    return out
