"""The learning curve of a run, drawn as a small PNG for its model card: validation PSNR
against steps, one line per stage, with the bicubic baseline as a dashed line."""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image, ImageDraw

W, H, PAD = 640, 360, 48
COLOURS = {"psnr": (64, 160, 255), "gan": (255, 140, 64)}


def draw_curve(rows: list[dict[str, Any]], bicubic: float | None, title: str) -> Image.Image:
    """``rows``: validation rows ({"stage", "step", "psnr"}) in order; steps of the GAN stage
    are drawn after the PSNR stage's last step."""
    pts: list[tuple[str, int, float]] = []
    offset = 0
    last_psnr_step = max((r["step"] for r in rows if r.get("stage") == "psnr"), default=0)
    for r in rows:
        stage = r.get("stage", "psnr")
        offset = last_psnr_step if stage == "gan" else 0
        pts.append((stage, int(r["step"]) + offset, float(r["psnr"])))
    img = Image.new("RGB", (W, H), (22, 24, 29))
    d = ImageDraw.Draw(img)
    d.text((PAD, 12), title, fill=(230, 230, 230))
    if not pts:
        d.text((PAD, H // 2), "no validation yet", fill=(200, 200, 200))
        return img
    ys = [p[2] for p in pts] + ([bicubic] if bicubic is not None else [])
    lo, hi = min(ys) - 0.05, max(ys) + 0.05
    x_max = max(p[1] for p in pts) or 1

    def xy(step: float, psnr: float) -> tuple[float, float]:
        return PAD + (W - 2 * PAD) * step / x_max, H - PAD - (H - 2 * PAD) * (psnr - lo) / (hi - lo)

    d.rectangle([PAD, PAD, W - PAD, H - PAD], outline=(90, 90, 100))
    for t in np.linspace(lo, hi, 5):
        y = xy(0, t)[1]
        d.line([PAD - 4, y, PAD, y], fill=(150, 150, 160))
        d.text((4, y - 6), f"{t:.2f}", fill=(170, 170, 180))
    for t in np.linspace(0, x_max, 5):
        x = xy(t, lo)[0]
        d.text((x - 12, H - PAD + 6), f"{int(t)}", fill=(170, 170, 180))
    d.text((W // 2 - 60, H - 18), "training step", fill=(170, 170, 180))
    if bicubic is not None:
        y = xy(0, bicubic)[1]
        for x in range(PAD, W - PAD, 12):
            d.line([x, y, min(x + 6, W - PAD), y], fill=(140, 140, 140))
        d.text((W - PAD - 110, y - 14), f"bicubic {bicubic:.2f} dB", fill=(160, 160, 160))
    for stage in ("psnr", "gan"):
        line = [xy(s, p) for st, s, p in pts if st == stage]
        if len(line) > 1:
            d.line(line, fill=COLOURS[stage], width=2)
        for x, y in line:
            d.ellipse([x - 2, y - 2, x + 2, y + 2], fill=COLOURS[stage])
        if line:
            d.text((line[-1][0] - 70, line[-1][1] - 16), f"{stage} {pts[[i for i, p in enumerate(pts) if p[0] == stage][-1]][2]:.2f}", fill=COLOURS[stage])
    return img
