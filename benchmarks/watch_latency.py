"""Live-mode latency: from a dump file's appearance to its replacement in the load folder.

    python benchmarks/watch_latency.py [--idle 40] [--backlog 300] [--rounds 5]

Runs the real watcher (native file events, default model, default precision) on a
temporary DuckStation folder and prints p50/p95 latencies as a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from examples.synth import psx_pixels  # noqa: E402
from texpack.emulators import find_dump_roots  # noqa: E402
from texpack.engine.options import EngineOptions  # noqa: E402
from texpack.engine.pool import EnginePool  # noqa: E402
from texpack.engine.threads import live_thread_count  # noqa: E402
from texpack.imageio import encode_png  # noqa: E402
from texpack.session import GameOptions, open_game  # noqa: E402
from texpack.watch.watcher import Watcher  # noqa: E402

SIZES = [(16, 16), (32, 32), (64, 64), (32, 64), (64, 32)]


def name(i: int, h: int, w: int) -> str:
    return f"texupload-STP4-{i:016X}-{i:016X}-64x256-0-0-{w}x{h}-P0-15.png"


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def wait_for(path: Path, timeout: float = 60) -> float:
    end = time.perf_counter() + timeout
    while not path.exists():
        if time.perf_counter() > end:
            raise TimeoutError(path)
        time.sleep(0.002)
    return time.perf_counter()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--idle", type=int, default=40)
    ap.add_argument("--backlog", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--busy", action="store_true", help="keep one core busy with another process, as a running emulator does")
    ap.add_argument("--threads", type=int, help="network threads (default: what watch uses)")
    args = ap.parse_args()
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.busy else None
    try:
        run(args)
    finally:
        if burner is not None:
            burner.kill()


def run(args) -> None:
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        dumps = Path(tmp) / "textures" / "SLUS-00001" / "dumps"
        dumps.mkdir(parents=True)
        root = find_dump_roots(dumps)[0]
        threads = live_thread_count(args.threads)
        opts = GameOptions(engine=EngineOptions(threads=threads))
        session = open_game(root, Path(tmp), opts, EnginePool(opts.engine))
        out = session.game_dir
        watcher = Watcher(dumps, lambda r: session)
        watcher.add(root)
        stop, started = threading.Event(), threading.Event()
        th = threading.Thread(target=watcher.run, args=(stop, False, started))
        th.start()
        started.wait()
        counter = iter(range(1, 10**9))

        def drop(h: int, w: int) -> tuple[Path, float]:
            n = name(next(counter), h, w)
            data = encode_png(psx_pixels(rng, True, h, w), 6)
            (dumps / n).write_bytes(data)
            return out / n, time.perf_counter()

        # warm-up: the first call per shape builds the CPU kernels
        for h, w in SIZES:
            p, t0 = drop(h, w)
            wait_for(p)
        idle = []
        for i in range(args.idle):
            h, w = SIZES[i % len(SIZES)]
            p, t0 = drop(h, w)
            idle.append(wait_for(p) - t0)
            time.sleep(0.3)
        newest, drained = [], []
        for _ in range(args.rounds):
            t_start = time.perf_counter()
            backlog = [drop(*SIZES[j % len(SIZES)])[0] for j in range(args.backlog)]
            time.sleep(0.05)
            p, t0 = drop(32, 32)
            newest.append(wait_for(p) - t0)
            for b in backlog:
                wait_for(b)
            drained.append(time.perf_counter() - t_start)
        stop.set()
        th.join()
        session.close()
    dev = "cuda" if torch.cuda.is_available() else platform.processor() or platform.machine()
    busy = ", one core kept busy by another process" if args.busy else ""
    print(f"machine: {dev}, {os.cpu_count()} cores, {threads} network threads{busy}; textures 16-64 px, default model and precision")
    print()
    print("| scenario | n | p50 | p95 | max |")
    print("|---|---|---|---|---|")
    print(f"| one new dump, nothing queued | {len(idle)} | {statistics.median(idle):.2f} s | {pct(idle, 95):.2f} s | {max(idle):.2f} s |")
    print(f"| newest dump behind a backlog of {args.backlog} | {len(newest)} | {statistics.median(newest):.2f} s | {pct(newest, 95):.2f} s | {max(newest):.2f} s |")
    print(f"| whole backlog of {args.backlog} drained | {len(drained)} | {statistics.median(drained):.2f} s | {pct(drained, 95):.2f} s | {max(drained):.2f} s |")
    return


if __name__ == "__main__":
    main()
