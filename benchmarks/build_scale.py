"""Whole builds of real-size games: a synthetic GLideN64 dump with a realistic size mix.

    python benchmarks/build_scale.py --count 10000 [--device cpu|cuda] [--no-peer]

A real game's dump holds thousands to tens of thousands of textures, most 8 to 256 px and
a few 512 to 1024 px. texpack runs as its own process (`texpack build`), so its peak RSS
and time to first output are measured; the peer runs the same weights the common way:
one image at a time through PyTorch (fp16 on CUDA, fp32 on the CPU), alpha by a second
pass, float32 results back to the host, PNG writes; same machine, same run. Prints a
Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from examples.synth import SynthSpec, make_gliden64_dump  # noqa: E402
from texpack.atomic import write_atomic  # noqa: E402
from texpack.imageio import encode_png, load_rgba  # noqa: E402
from texpack.models import DEFAULT_MODEL, find_model  # noqa: E402
from texpack.models.load import load_model  # noqa: E402

# (h, w) drawn for each texture: mostly small and square-ish, a few large (probability by weight).
SIZE_MIX = [((8, 8), 4), ((16, 16), 12), ((32, 32), 20), ((32, 16), 6), ((64, 32), 10), ((64, 64), 20),
            ((16, 64), 4), ((128, 64), 6), ((128, 128), 10), ((256, 128), 3), ((256, 256), 4),
            ((512, 512), 0.6), ((512, 1024), 0.2), ((1024, 1024), 0.2)]


def make_dump(base: Path, count: int, seed: int = 12) -> tuple[Path, int]:
    weights = np.array([w for _, w in SIZE_MIX])
    rng = np.random.default_rng(seed)
    sizes = tuple(SIZE_MIX[i][0] for i in rng.choice(len(SIZE_MIX), size=count, p=weights / weights.sum()))
    folder = make_gliden64_dump(base, "SCALE", SynthSpec(count=count, seed=seed, duplicates=count // 50, sizes=sizes))
    px = sum(int(np.prod(load_rgba(p).shape[:2])) for p in folder.iterdir()) if count <= 2000 else sum(h * w for h, w in sizes)
    return folder, px


def run_texpack(dump: Path, out: Path, device: str, model: str = DEFAULT_MODEL) -> dict:
    code = (
        "import resource, sys; from texpack.cli import main\n"
        "try: main(sys.argv[1:])\nexcept SystemExit as e: print('EXIT', e.code)\n"
        # VmHWM: this process's own peak (ru_maxrss would carry the parent's over the exec)
        "print('RSS', [ln.split()[1] for ln in open('/proc/self/status') if ln.startswith('VmHWM:')][0])"
    )
    game = out / "hires_texture" / "SCALE"
    first = {"t": None}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, "build", str(dump), "--out", str(out), "--device", device, "--model", model],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def poll() -> None:
        while proc.poll() is None and first["t"] is None:
            if game.is_dir() and any(p.suffix == ".png" for p in game.iterdir()):
                first["t"] = time.perf_counter() - start
            time.sleep(0.01)

    th = threading.Thread(target=poll)
    th.start()
    out_text, err = proc.communicate()
    total = time.perf_counter() - start
    th.join()
    rss = int(out_text.split("RSS")[-1].split()[0]) // 1024
    if "EXIT 0" not in out_text:
        raise SystemExit(f"texpack build failed:\n{out_text}\n{err[-2000:]}")
    return {"seconds": total, "rss_mb": rss, "first": first["t"]}


def run_peer(dump: Path, out: Path, device: str) -> dict:
    m = load_model(find_model(DEFAULT_MODEL))
    dev = torch.device(device)
    half = dev.type == "cuda"
    net = m.module.to(dev).eval()
    net = net.half() if half else net.float()
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    first = None
    with torch.inference_mode():
        for p in sorted(dump.iterdir()):
            rgba = load_rgba(p)
            x = torch.from_numpy(rgba[..., :3].astype(np.float32) / 255).permute(2, 0, 1)[None].to(dev)
            y = net(x.half() if half else x).float().clamp_(0, 1).cpu()[0].permute(1, 2, 0).numpy()
            res = np.empty(y.shape[:2] + (4,), np.uint8)
            res[..., :3] = np.clip(y * 255 + 0.5, 0, 255)
            a = rgba[..., 3]
            if (a != 255).any():
                xa = torch.from_numpy(np.repeat(a[None].astype(np.float32) / 255, 3, axis=0))[None].to(dev)
                ya = net(xa.half() if half else xa).float().clamp_(0, 1).cpu()[0].mean(dim=0).numpy()
                res[..., 3] = np.clip(ya * 255 + 0.5, 0, 255)
            else:
                res[..., 3] = 255
            write_atomic(out / p.name, encode_png(res))
            if first is None:
                first = time.perf_counter() - start
    return {"seconds": time.perf_counter() - start, "rss_mb": None, "first": first}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--compare", metavar="MODEL", help="also build with this model (same dump, alternating rounds), e.g. an earlier default")
    ap.add_argument("--rounds", type=int, default=1, help="builds per model (alternating; the best counts)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        dump, px = make_dump(tmp / "dump", args.count)
        n = len(list(dump.iterdir()))
        made = time.perf_counter() - t
        runs: dict[str, list[dict]] = {}
        for _ in range(args.rounds):
            for model in [DEFAULT_MODEL] + ([args.compare] if args.compare else []):
                shutil.rmtree(tmp / f"out-{model}", ignore_errors=True)
                runs.setdefault(model, []).append(run_texpack(dump, tmp / f"out-{model}", args.device, model))
        ours = min(runs[DEFAULT_MODEL], key=lambda r: r["seconds"])
        again = run_texpack(dump, tmp / f"out-{DEFAULT_MODEL}", args.device)
        peer = None if args.no_peer else run_peer(dump, tmp / "peer", args.device)
        shutil.rmtree(tmp, ignore_errors=True)
    flags = next((ln.split(":", 1)[1].split() for ln in open("/proc/cpuinfo") if ln.startswith("flags")), []) if Path("/proc/cpuinfo").exists() else []
    cpu = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, avx2 {'avx2' in flags}, avx512_bf16 {'avx512_bf16' in flags}, amx {'amx_bf16' in flags}"
    dev = torch.cuda.get_device_name() if args.device.startswith("cuda") else cpu
    print(f"machine: {dev}; torch {torch.__version__}; {n} textures, {px / 1e6:.1f}M source px (made in {made:.0f} s)")
    print()
    print("| pipeline | seconds | textures/s | source px/s | first output | peak RSS | vs peer |")
    print("|---|---|---|---|---|---|---|")

    def row(label: str, r: dict, base: float | None) -> str:
        first = f"{r['first']:.2f} s" if r["first"] is not None else "-"
        rss = f"{r['rss_mb']} MB" if r["rss_mb"] else "-"
        ratio = f"{base / r['seconds']:.2f}x" if base else "1.00x" if base is None and label.startswith("per-image") else ""
        return f"| {label} | {r['seconds']:.1f} | {n / r['seconds']:.0f} | {px / r['seconds'] / 1e6:.2f}M | {first} | {rss} | {ratio} |"

    base = peer["seconds"] if peer else None
    if peer:
        print(row("per-image peer (same weights, alpha second pass)", peer, None))
    print(row(f"texpack build ({DEFAULT_MODEL})", ours, base))
    if args.compare:
        other = min(runs[args.compare], key=lambda r: r["seconds"])
        print(row(f"texpack build ({args.compare})", other, base) + f" default/compared: {other['seconds'] / ours['seconds']:.2f}x faster |")
    print(row("texpack rebuild, nothing changed", again, base))


if __name__ == "__main__":
    main()
