"""CPU threads for the network, with and without another busy process on the machine.

    python benchmarks/threads.py [--side 64] [--batch 16] [--seconds 8]

Runs the default model through texpack's CPU engines (PyTorch fp32 and ncnn) on 1 thread
and on every core, first on an idle machine, then with one process per extra core
spinning (what a running emulator does), and prints LR (source) pixels per second as a
Markdown table. ``watch`` picks its
thread count from this (texpack/engine/threads.py).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from texpack.engine.options import EngineOptions  # noqa: E402
from texpack.engine.select import make_engine  # noqa: E402
from texpack.engine.threads import cores  # noqa: E402
from texpack.models import DEFAULT_MODEL, find_model  # noqa: E402
from texpack.models.load import load_model  # noqa: E402

ENGINES = ("torch", "ncnn")


def spin(stop) -> None:
    x = 0
    while not stop.is_set():
        for _ in range(100000):
            x += 1


def rate(eng, x: np.ndarray, seconds: float) -> float:
    eng.run(x)  # warm-up: kernels are built for the shape on first use
    done, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        eng.run(x)
        done += x.shape[0] * x.shape[1] * x.shape[2]
    return done / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--side", type=int, default=64)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=8.0)
    args = ap.parse_args()
    n = cores()
    model = load_model(find_model(DEFAULT_MODEL))
    x = np.random.default_rng(0).random((args.batch, args.side, args.side, 3), dtype=np.float32)
    counts = sorted({1, n})
    rows = {}
    for busy in (0, max(1, n - 1)):
        stop = mp.Event()
        spinners = [mp.Process(target=spin, args=(stop,), daemon=True) for _ in range(busy)]
        for p in spinners:
            p.start()
        try:
            for backend in ENGINES:
                for t in counts:
                    eng = make_engine(model, EngineOptions("cpu", "fp32", None, threads=t, cpu_engine=backend))
                    rows[(backend, busy, t)] = rate(eng, x, args.seconds)
        finally:
            stop.set()
            for p in spinners:
                p.join()
    print(f"{platform.processor() or platform.machine()}, {n} cores, torch {torch.__version__}, {DEFAULT_MODEL} fp32, "
          f"{args.batch} x {args.side}x{args.side}")
    print()
    print("| engine | other busy processes | " + " | ".join(f"{t} thread{'s' if t > 1 else ''}" for t in counts) + " |")
    print("|---|---|" + "---|" * len(counts))
    for backend in ENGINES:
        for busy in (0, max(1, n - 1)):
            print(f"| {backend} | {busy} | " + " | ".join(f"{rows[(backend, busy, t)] / 1e3:.0f}k px/s" for t in counts) + " |")


if __name__ == "__main__":
    main()
