"""Seam context as the network's own padding against padding texels: the seam where copies of
a wrapping texture meet, the picture, and the network time, in one run on one machine.

    python benchmarks/seams.py --colobot DIR [--model texpack-span-x4] [--precision bf16]

Uses the quality benchmark's textures (benchmarks/quality.py: colobot and scikit-image's
photographs, degraded the way a dump is). For each texture whose edges meet (texpack/seams.py
resolves both axes to wrap) it tiles the upscaled texture 3x3 and compares the mean step across
the seams with the mean step between neighbouring texels inside (1.00 = no seam to see);
for all textures, PSNR against the truth. Network time is the engine's alone, per method.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import load_images, make_cases  # noqa: E402

from texpack import seams  # noqa: E402
from texpack.alpha_modes import AlphaMode, SeamMode  # noqa: E402
from texpack.engine.options import EngineOptions  # noqa: E402
from texpack.engine.torch_engine import TorchUpscaler  # noqa: E402
from texpack.imagesteps import prepare, seams_in_net, upscale_group  # noqa: E402
from texpack.models import find_model  # noqa: E402
from texpack.models.load import load_model  # noqa: E402
from texpack.train.metrics import psnr  # noqa: E402


def seam_ratio(rgb: np.ndarray) -> float:
    """Mean step across the seams of a 3x3 tiling over the mean step between neighbours inside."""
    h, w = rgb.shape[:2]
    t = np.tile(rgb.astype(np.float64), (3, 3, 1))
    dx, dy = np.abs(np.diff(t, axis=1)).mean(axis=(0, 2)), np.abs(np.diff(t, axis=0)).mean(axis=(1, 2))
    seam = np.concatenate([dx[[w - 1, 2 * w - 1]], dy[[h - 1, 2 * h - 1]]]).mean()
    inside = np.concatenate([np.delete(dx, [w - 1, 2 * w - 1]), np.delete(dy, [h - 1, 2 * h - 1])]).mean()
    return float(seam / max(inside, 1e-9))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--colobot", type=Path)
    ap.add_argument("--model", default="texpack-span-x4")
    ap.add_argument("--precision", default="auto")
    args = ap.parse_args()
    eng = TorchUpscaler(load_model(find_model(args.model)), EngineOptions(precision=args.precision))
    cases = make_cases(load_images(args.colobot))
    rows = {m: {"psnr": [], "seam": [], "net_s": 0.0, "texels": 0} for m in ("texels", "network")}
    wrapping = 0
    for c in cases:
        rgba = np.dstack([np.round(c.lr * 255).astype(np.uint8), np.full(c.lr.shape[:2], 255, np.uint8)])
        h, w = rgba.shape[:2]
        tiles = seams.resolve(SeamMode.AUTO, c.lr) == (SeamMode.WRAP, SeamMode.WRAP)
        wrapping += tiles
        for method, r in rows.items():
            p = prepare(rgba, AlphaMode.OPAQUE, AlphaMode.OPAQUE, SeamMode.AUTO, in_net=method == "network" and seams_in_net(eng, h, w, 4))
            t0 = time.perf_counter()
            out = upscale_group(eng, [p], 4)[0]
            r["net_s"] += time.perf_counter() - t0
            r["texels"] += p.shape[0] * p.shape[1]
            rgb = out[..., :3].astype(np.float32) / 255
            r["psnr"].append(min(50.0, psnr(rgb, c.hr, c.weight)))
            if tiles:
                r["seam"].append(seam_ratio(out[..., :3]))
    flags = next((ln.split(":", 1)[1].split() for ln in open("/proc/cpuinfo") if ln.startswith("flags")), []) if Path("/proc/cpuinfo").exists() else []
    have = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16") if f in flags]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, CPU flags: {' '.join(have)}; "
          f"{args.model}, {eng.precision}; {len(cases)} textures, {wrapping} wrap on both axes")
    print()
    print("| seam context | PSNR (all) | seam step / inside step, 3x3 tiling (median, wrapping textures) | worst | network texels | upscale s | vs texels |")
    print("|---|---|---|---|---|---|---|")
    base = rows["texels"]["net_s"]
    for method, r in rows.items():
        seam = np.array(r["seam"]) if r["seam"] else np.array([np.nan])
        print(f"| {method} | {np.mean(r['psnr']):.3f} dB | {np.median(seam):.3f} | {seam.max():.3f} | {r['texels'] / 1e6:.2f}M | "
              f"{r['net_s']:.1f} | {base / r['net_s']:.2f}x |")


if __name__ == "__main__":
    main()
