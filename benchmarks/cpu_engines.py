"""Which CPU engine runs each texture model fastest here: PyTorch fp32, PyTorch bf16 and ncnn.

    python benchmarks/cpu_engines.py [--model NAME ...] [--repeats 3]

Prints the CPU's flags (AVX2, AVX-512 BF16, AMX) and a table of LR (source) pixels per
second, best of N, for batches of same-size textures as a build runs them, and which engine
``--cpu-engine auto`` picks (texpack/engine/select.py). Every engine runs the same weights.
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

from texpack.engine.ncnn_engine import NcnnUpscaler, supports  # noqa: E402
from texpack.engine.options import EngineOptions  # noqa: E402
from texpack.engine.select import make_engine  # noqa: E402
from texpack.engine.torch_engine import TorchUpscaler, cpu_has_native_bf16  # noqa: E402
from texpack.models import DEFAULT_MODEL, find_model  # noqa: E402
from texpack.models.load import load_model  # noqa: E402

SIZES = {16: 64, 32: 32, 64: 16, 128: 4, 256: 1}  # texture side -> batch


def flags() -> list[str]:
    try:
        return next(ln.split(":", 1)[1].split() for ln in open("/proc/cpuinfo") if ln.startswith("flags"))
    except (OSError, StopIteration):
        return []


def best(fn, repeats: int) -> float:
    fn()
    t_best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        t_best = min(t_best, time.perf_counter() - t)
    return t_best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", action="append", default=[])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    f = flags()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; avx2 {'avx2' in f}, "
          f"avx512_bf16 {'avx512_bf16' in f}, amx_bf16 {'amx_bf16' in f}; PyTorch sees native bf16: {cpu_has_native_bf16()}")
    print()
    print("| model | arch | side | batch | torch fp32 | torch bf16 | ncnn fp32 | auto picks |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.model or [DEFAULT_MODEL]:
        m = load_model(find_model(name))
        engines = {"torch fp32": TorchUpscaler(m, EngineOptions(precision="fp32")),
                   "torch bf16": TorchUpscaler(m, EngineOptions(precision="bf16")) if m.info.bf16 else None,
                   "ncnn fp32": NcnnUpscaler(m) if supports(m) is None else None}
        auto = make_engine(m)
        picked = f"{auto.backend if hasattr(auto, 'backend') else 'torch'} {getattr(auto, 'precision', '')}".strip()
        for side, batch in SIZES.items():
            x = np.random.default_rng(0).random((batch, side, side, 3), dtype=np.float32)
            cells = []
            for eng in engines.values():
                cells.append("-" if eng is None else f"{batch * side * side / best(lambda e=eng, x=x: e.run(x), args.repeats) / 1e3:.0f}k")
            print(f"| {name} | {m.info.arch} | {side} | {batch} | " + " | ".join(cells) + f" | {picked} |", flush=True)


if __name__ == "__main__":
    main()
