"""Training steps per second per architecture, form and precision, on this machine.

    python benchmarks/train_speed.py [--seconds 8]

One L1 step of the training loop (forward, backward, Adam) on a batch of 16 random 32 px
crops at x4, channels-last; the data sampler is left out (it costs about 0.03 s a batch
here). Rows: Compact (texpack's `--arch compact`), SPAN in the fused form texpack trains and
SPAN in spandrel's branch form, each in fp32 and, where the CPU has native bf16, bf16.
Prints the CPU's flags with the table.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from texpack.engine.torch_engine import cpu_has_native_bf16  # noqa: E402
from texpack.models.span_reparam import to_fused  # noqa: E402
from texpack.train.generator import new_generator  # noqa: E402


def steps_per_s(net: torch.nn.Module, precision: str, seconds: float) -> float:
    net = net.train().to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(net.parameters(), 1e-4)
    x = torch.rand(16, 3, 32, 32).to(memory_format=torch.channels_last)
    y = torch.rand(16, 3, 128, 128)

    def step() -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            out = net(x)
        loss = (out.float() - y).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

    step()
    step()
    n, t = 0, time.perf_counter()
    while time.perf_counter() - t < seconds:
        step()
        n += 1
    return n / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=8.0)
    args = ap.parse_args()
    flags = next((ln.split(":", 1)[1].split() for ln in open("/proc/cpuinfo") if ln.startswith("flags")), []) if Path("/proc/cpuinfo").exists() else []
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; avx2 {'avx2' in flags}, "
          f"avx512_bf16 {'avx512_bf16' in flags}, amx {'amx_bf16' in flags}; torch {torch.__version__}, {torch.get_num_threads()} threads")
    print()
    print("| network | form | precision | steps/s |")
    print("|---|---|---|---|")
    precisions = ["fp32"] + (["bf16"] if cpu_has_native_bf16() else [])
    nets = {("compact", "plain"): lambda: new_generator("compact", 4), ("span", "fused (texpack trains this)"): lambda: to_fused(new_generator("span", 4)),
            ("span", "branches (spandrel's training form)"): lambda: new_generator("span", 4)}
    for (arch, form), make in nets.items():
        for p in precisions:
            print(f"| {arch} | {form} | {p} | {steps_per_s(make(), p, args.seconds):.2f} |", flush=True)


if __name__ == "__main__":
    main()
