"""Quality measures shared by training's validation and ``benchmarks/quality.py``.

PSNR is over the visible texels' RGB. Sharpness is the mean gradient magnitude of the
output over the truth's (1.0: as much detail as the truth, below: blurrier); over a set it
is the median, so a few flat textures do not swing it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn


def psnr(out: np.ndarray, truth: np.ndarray, weight: np.ndarray | None = None, cap: float = 99.0) -> float:
    """PSNR in dB of (H, W, 3) arrays in [0, 1] over texels where ``weight`` > 0, at most ``cap``."""
    err = (out.astype(np.float64) - truth.astype(np.float64)) ** 2
    if weight is not None:
        vis = weight > 0
        if not vis.any():
            return float("nan")
        mse = float(err[vis].mean())
    else:
        mse = float(err.mean())
    return cap if mse <= 1e-10 else min(cap, 10 * math.log10(1.0 / mse))


def gradient_energy(img: np.ndarray, weight: np.ndarray | None = None) -> float:
    """Mean gradient magnitude (forward differences, averaged over channels) over visible texels."""
    x = img.astype(np.float64)
    dx = x[:-1, 1:] - x[:-1, :-1]
    dy = x[1:, :-1] - x[:-1, :-1]
    mag = np.sqrt(dx**2 + dy**2).mean(axis=-1)
    if weight is not None:
        vis = (weight[:-1, :-1] > 0) & (weight[1:, :-1] > 0) & (weight[:-1, 1:] > 0)
        return float(mag[vis].mean()) if vis.any() else float("nan")
    return float(mag.mean())


def sharpness(out: np.ndarray, truth: np.ndarray, weight: np.ndarray | None = None) -> float:
    t = gradient_energy(truth, weight)
    return float("nan") if not t > 1e-6 else gradient_energy(out, weight) / t


def summarise(psnrs: list[float], sharps: list[float]) -> dict[str, float]:
    p = [v for v in psnrs if not math.isnan(v)]
    s = [v for v in sharps if not math.isnan(v)]
    return {"psnr": float(np.mean(p)) if p else float("nan"), "sharpness": float(np.median(s)) if s else float("nan"), "n": len(p)}


NOISE_SIDE = 32


@torch.no_grad()
def noise_overshoot(net: nn.Module, device: torch.device, seed: int = 3) -> float:
    """How far outside [0, 1] the network's output goes on uniform noise, before clamping.

    Noise is no texture, but dithered dumps come close. The bundled texpack-span-x4 goes
    2.05 past the range here (the Compact texpack-textures-x4 0.08); a SPAN run that drifted
    into amplifying what it had not seen went 8.4 past it, while its textures still scored
    well, and its output differed between two fp32 engines by 3 levels
    (tests/test_ncnn_engine.py). The validation table records it at every step.
    """
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(1, 3, NOISE_SIDE, NOISE_SIDE, generator=g).to(device)
    y = net(x).float()
    return float(torch.maximum(y - 1, -y).clamp(min=0).max())


@torch.no_grad()
def validate(net: nn.Module, pairs: list[Any], device: torch.device) -> dict[str, float]:
    """Run ``net`` on each validation pair and summarise PSNR and sharpness, with the
    network's :func:`noise_overshoot`."""
    was = net.training
    net.eval()
    ps, ss = [], []
    for p in pairs:
        x = torch.from_numpy(np.ascontiguousarray(p.lr.transpose(2, 0, 1)))[None].to(device)
        y = net(x).float().clamp(0, 1)[0].permute(1, 2, 0).cpu().numpy()
        ps.append(psnr(y, p.hr, p.weight))
        ss.append(sharpness(y, p.hr, p.weight))
    row = {**summarise(ps, ss), "noise_overshoot": noise_overshoot(net, device)}
    net.train(was)
    return row


def grid_artifact(out: np.ndarray, truth: np.ndarray, weight: np.ndarray | None = None, factor: int = 4) -> float:
    """Strength of a pattern repeating every ``factor`` texels, in 8-bit levels (RMS).

    An x``factor`` network that writes its output through a pixel shuffle can leave a fixed
    offset per sub-texel position: a fine grid over the whole texture. Here the error
    (output minus truth) is averaged per position modulo ``factor`` over the visible
    texels; real detail averages out, a grid does not. 0 for the truth itself."""
    h, w = (out.shape[0] // factor) * factor, (out.shape[1] // factor) * factor
    if h == 0 or w == 0:
        return float("nan")
    err = (out[:h, :w].astype(np.float64) - truth[:h, :w].astype(np.float64)).reshape(h // factor, factor, w // factor, factor, -1)
    vis = np.ones((h, w)) if weight is None else (weight[:h, :w] > 0).astype(np.float64)
    vis = vis.reshape(h // factor, factor, w // factor, factor, 1)
    count = vis.sum(axis=(0, 2))
    if (count == 0).any():
        return float("nan")
    phase = (err * vis).sum(axis=(0, 2)) / count  # (factor, factor, C)
    phase -= phase.mean(axis=(0, 1), keepdims=True)
    return float(np.sqrt((phase**2).mean()) * 255)
