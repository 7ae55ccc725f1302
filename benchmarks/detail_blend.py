"""How `detail` combines the default model with its sharp partner: the finest band of the sharp
output (texpack/engine/blend.py) against the whole outputs blended, at several weights, in one run.

    python benchmarks/detail_blend.py --colobot DIR [--kernel area|bilinear|bicubic]

Uses the quality benchmark's textures (benchmarks/quality.py: colobot and scikit-image's
photographs, degraded the way a dump is); each network runs once per texture and the blends
are made from the two outputs. PSNR is the mean over textures (capped at 50 dB), sharpness
the median ratio of the output's gradient energy to the original's (1.0 = as detailed).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import load_images, make_cases  # noqa: E402

from texpack.alpha_modes import AlphaMode, SeamMode  # noqa: E402
from texpack.engine.blend import BAND_SIGMA, highpass  # noqa: E402
from texpack.engine.options import EngineOptions  # noqa: E402
from texpack.engine.torch_engine import TorchUpscaler  # noqa: E402
from texpack.imagesteps import prepare, upscale_group  # noqa: E402
from texpack.models import find_model  # noqa: E402
from texpack.models.load import load_model  # noqa: E402
from texpack.train.metrics import psnr, sharpness  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--colobot", type=Path)
    ap.add_argument("--kernel", choices=("area", "bilinear", "bicubic"))
    ap.add_argument("--model", default="texpack-span-x4")
    args = ap.parse_args()
    entry = find_model(args.model)
    faithful = TorchUpscaler(load_model(entry), EngineOptions())
    sharp = TorchUpscaler(load_model(find_model(entry.card["detail_model"])), EngineOptions())
    cases = make_cases(load_images(args.colobot), kernel=args.kernel)

    def run(eng: TorchUpscaler, lr: np.ndarray) -> np.ndarray:
        rgba = np.dstack([np.round(lr * 255).astype(np.uint8), np.full(lr.shape[:2], 255, np.uint8)])
        p = prepare(rgba, AlphaMode.OPAQUE, AlphaMode.OPAQUE, SeamMode.AUTO)
        return upscale_group(eng, [p], 4)[0][..., :3].astype(np.float32) / 255

    outs = [(c, run(faithful, c.lr), run(sharp, c.lr)) for c in cases]
    blends = {"default (detail 0)": lambda a, b: a, "sharp model alone": lambda a, b: b}
    for d in (0.5, 0.6, 0.7, 0.8):
        blends[f"whole outputs, {d}"] = lambda a, b, d=d: (1 - d) * a + d * b
    for d in (0.5, 0.7, 0.9, 0.95, 1.0):
        blends[f"finest band, {d}"] = lambda a, b, d=d: a + d * (highpass(b[None])[0] - highpass(a[None])[0])
    sets = sorted({c.set for c in cases})
    flags = next((ln.split(":", 1)[1].split() for ln in open("/proc/cpuinfo") if ln.startswith("flags")), []) if Path("/proc/cpuinfo").exists() else []
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, CPU flags: "
          f"{' '.join(f for f in ('avx2', 'avx512f', 'avx512_bf16', 'amx_bf16') if f in flags)}; {args.model} + {entry.card['detail_model']}, "
          f"band sigma {BAND_SIGMA} px; downscale {args.kernel or 'area or bilinear per texture'}; "
          + ", ".join(f"{s}: {sum(c.set == s for c in cases)} textures" for s in sets))
    print()
    print("| detail | " + " | ".join(f"{s} PSNR | {s} sharpness" for s in sets) + " |")
    print("|---|" + "---|---|" * len(sets))
    for label, fn in blends.items():
        cells = []
        for s in sets:
            ps, sh = [], []
            for c, a, b in outs:
                if c.set == s:
                    o = np.clip(fn(a, b), 0, 1)
                    ps.append(min(50.0, psnr(o, c.hr, c.weight)))
                    sh.append(sharpness(o, c.hr, c.weight))
            cells.append(f"{np.mean(ps):.2f} dB | {np.nanmedian(sh):.2f}")
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
