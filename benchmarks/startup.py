"""Start-up of live mode: from `texpack watch` to its "watching" line and to its first texture.

    python benchmarks/startup.py [--tree DIR ...] [--rounds 5]

Each round starts `python -m texpack watch` on a temporary DuckStation folder that already
holds one dump and times, from the process start, the "watching ..." line and the first
replacement file (PyTorch imported, model loaded, one texture run). Several source trees
(for example a checkout of an older commit) run in alternating rounds, so they share the
machine's state; the first tree is the reference of the ratio column. Prints a Markdown
table of medians.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from examples.synth import psx_pixels  # noqa: E402
from texpack.imageio import encode_png  # noqa: E402

NAME = "texupload-C16-00000000000000AB-256x256-0-0-32x32.png"


def one_round(tree: Path, timeout: float = 120.0) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        dumps = Path(tmp) / "textures" / "SLUS-00001" / "dumps"
        dumps.mkdir(parents=True)
        (dumps / NAME).write_bytes(encode_png(psx_pixels(np.random.default_rng(1), False, 32, 32)))
        out = dumps.parent / "replacements" / NAME
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(tree)}
        t0 = time.monotonic()
        p = subprocess.Popen([sys.executable, "-m", "texpack", "watch", str(dumps)], cwd=tree, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            line = p.stdout.readline()
            if "watching" not in line:
                raise SystemExit(f"{tree}: watch did not start: {line.strip()!r}")
            ready = time.monotonic() - t0
            while not out.exists():
                if time.monotonic() - t0 > timeout or p.poll() is not None:
                    raise SystemExit(f"{tree}: no replacement for {NAME} after {timeout:.0f} s")
                time.sleep(0.01)
            first = time.monotonic() - t0
        finally:
            p.send_signal(signal.SIGINT)
            p.communicate(timeout=60)
        return ready, first


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", type=Path, action="append", help="source tree to run (default: this one); repeatable")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    trees = [t.resolve() for t in (args.tree or [ROOT])]
    times: dict[Path, list[tuple[float, float]]] = {t: [] for t in trees}
    for _ in range(args.rounds):
        for t in trees:
            times[t].append(one_round(t))
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {args.rounds} rounds (medians)\n")
    print("| tree | \"watching\" line, s | first texture, s | first texture vs first tree |")
    print("|---|---:|---:|---:|")
    ref = statistics.median(f for _, f in times[trees[0]])
    for t in trees:
        ready = statistics.median(r for r, _ in times[t])
        first = statistics.median(f for _, f in times[t])
        print(f"| {t} | {ready:.2f} | {first:.2f} | {first / ref:.2f}x |")


if __name__ == "__main__":
    main()
