"""A picture of what training sees: high-resolution crops beside their dump-like versions."""

from __future__ import annotations

import numpy as np

from texpack.train.data import PairSampler

LABEL_H = 0  # no text rendering: the order is documented instead (HR left, dump right)


def preview_grid(sampler: PairSampler, rows: int = 6, cols: int = 4) -> np.ndarray:
    """RGBA8 grid: each cell is the target crop, then the dump-like input blown up with
    nearest sampling to the same size (hidden texels shown as a checkerboard)."""
    cells = []
    for _ in range(rows * cols):
        p = sampler.pair()
        s = p.hr.shape[0] // p.lr.shape[0]
        lr = np.repeat(np.repeat(p.lr, s, axis=0), s, axis=1)
        hidden = p.weight < 0.5
        if hidden.any():
            yy, xx = np.indices(hidden.shape)
            board = (((yy // 8) + (xx // 8)) % 2 * 0.25 + 0.5)[..., None]
            lr = np.where(hidden[..., None], board, lr)
        pair = np.concatenate([p.hr, np.full((p.hr.shape[0], 4, 3), 1.0, np.float32), lr], axis=1)
        cells.append(pair)
    h, w = cells[0].shape[:2]
    gap = 8
    grid = np.ones((rows * (h + gap) + gap, cols * (w + gap) + gap, 3), np.float32) * 0.15
    for i, c in enumerate(cells):
        r, k = divmod(i, cols)
        y, x = gap + r * (h + gap), gap + k * (w + gap)
        grid[y : y + h, x : x + w] = c
    out = np.empty(grid.shape[:2] + (4,), np.uint8)
    out[..., :3] = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8)
    out[..., 3] = 255
    return out
