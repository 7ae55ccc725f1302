"""One training run on every core against one run per core side by side, on this machine.

    python benchmarks/train_parallel.py --hr DIR [--steps 600] [--init MODEL]

Runs `texpack train` (L1, batch 16 of 32 px crops, the default model as the start) for
``--steps`` steps: once with all threads, then as one-thread runs side by side, one per
core. Each run's rate is its own last progress report before its final validation (the
data sampler and every training step included, reading the images left out). Prints the
CPU's flags and a table of steps/s per run and in all.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path

RATE = re.compile(r"^psnr (\d+)/(\d+) .* ([\d.]+) steps/s$")


def start(hr: Path, steps: int, init: str, threads: int, work: Path, seed: int) -> subprocess.Popen[str]:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    args = [sys.executable, "-m", "texpack", "train", "--hr", str(hr), "--init", init, "--name", f"bench{seed}", "--steps", str(steps),
            "--batch", "16", "--patch", "32", "--seed", str(seed), "--val-every", str(10 * steps), "--checkpoint-minutes", "1000",
            "--out", str(work / f"m{seed}"), "--work", str(work / f"w{seed}")]
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def rate(p: subprocess.Popen[str]) -> float:
    out, _ = p.communicate()
    if p.returncode != 0:
        raise SystemExit(f"texpack train failed:\n{out[-2000:]}")
    rates = [(int(m[1]), float(m[3])) for ln in out.splitlines() if (m := RATE.match(ln.strip())) and m[1] != m[2]]
    if not rates:
        raise SystemExit(f"no progress report before the last step; raise --steps:\n{out[-1000:]}")
    return rates[-1][1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hr", type=Path, required=True, help="training images (a folder or archive)")
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--init", default="models/texpack-span-x4.safetensors")
    a = ap.parse_args()
    cores = os.cpu_count() or 1
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        one = rate(start(a.hr, a.steps, a.init, cores, Path(tmp), 1))
        rows.append((f"one run, {cores} threads", [one]))
        runs = [start(a.hr, a.steps, a.init, 1, Path(tmp), 10 + i) for i in range(cores)]
        rows.append((f"{cores} runs side by side, 1 thread each", [rate(p) for p in runs]))
    flags = next((ln.split(":", 1)[1].split() for ln in open("/proc/cpuinfo") if ln.startswith("flags")), []) if Path("/proc/cpuinfo").exists() else []
    shown = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16") if f in flags]
    print(f"machine: {platform.processor() or platform.machine()}, {cores} cores, CPU flags: {' '.join(shown)}; {a.steps} steps of 16 crops, 32 px, from {a.init}")
    print()
    print("| layout | steps/s per run | steps/s in all | vs one run |")
    print("|---|---|---|---|")
    for label, rs in rows:
        print(f"| {label} | {', '.join(f'{r:.2f}' for r in rs)} | {sum(rs):.2f} | {sum(rs) / one:.2f}x |")


if __name__ == "__main__":
    main()
