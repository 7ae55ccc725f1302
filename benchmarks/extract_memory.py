"""Peak memory of `texpack extract` against the size of the cache it unpacks.

    python benchmarks/extract_memory.py [--sizes 64,256,1024] [--side 1024]

For each size (MiB of texels), writes a GLideN64 .htc and a .hts of that many generated
RGBA8 textures (noise over gradients, zlib records: they barely compress, so the file is
about that size), runs `texpack extract` on each in a fresh process and prints its peak
RSS (VmHWM) beside the cache's size. Reading one record at a time keeps the peak flat.
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

VERSION, RGBA8, GZ = 0x08000000, 0x8058, 0x80000000
_MEASURE = """
import runpy, sys
sys.argv = ["texpack", "extract", sys.argv[1], "--out", sys.argv[2]]
try:
    runpy.run_module("texpack", run_name="__main__")
except SystemExit as e:
    code = e.code
hwm = [l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:")]
print("PEAK_KB", hwm[0], file=sys.stderr)
"""


def records(mib: int, side: int):
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 200, side, dtype=np.float32)
    for i in range(max(1, (mib << 20) // (side * side * 4))):
        px = (ramp[None, :, None] + rng.integers(0, 56, (side, side, 4))).astype(np.uint8)
        data = zlib.compress(px.tobytes(), 1)
        yield 0x1000 + i, struct.pack("<IIIHHBHI", side, side, RGBA8 | GZ, 0x1908, 0x1401, 1, 0x0300, len(data)) + data


def write_htc(path: Path, mib: int, side: int) -> None:
    with gzip.open(path, "wb", compresslevel=0) as f:  # the stream is already compressed per record
        f.write(struct.pack("<ii", VERSION, 0x40820000))
        for key, rec in records(mib, side):
            f.write(struct.pack("<Q", key) + rec)


def write_hts(path: Path, mib: int, side: int) -> None:
    index = []
    with open(path, "wb") as f:
        f.write(struct.pack("<iiq", VERSION, 0x40A20000, 0))
        for key, rec in records(mib, side):
            index.append(struct.pack("<Qq", key, 0x0300 << 48 | f.tell()))
            f.write(rec)
        at = f.tell()
        f.write(struct.pack("<i", len(index)) + b"".join(index))
        f.seek(8)
        f.write(struct.pack("<q", at))


def peak_mb(cache: Path, out: Path) -> tuple[float, float]:
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", _MEASURE, str(cache), str(out)], capture_output=True, text=True)
    secs = time.perf_counter() - t
    kb = [ln.split()[1] for ln in p.stderr.splitlines() if ln.startswith("PEAK_KB")]
    if p.returncode != 0 or not kb:
        raise SystemExit(f"extract failed on {cache}:\n{p.stdout}\n{p.stderr[-2000:]}")
    return int(kb[0]) / 1024, secs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="64,256,1024", help="MiB of texels per cache, comma-separated")
    ap.add_argument("--side", type=int, default=1024, help="texture side in px")
    args = ap.parse_args()
    flags = next((ln.split(":", 1)[1].split() for ln in open("/proc/cpuinfo") if ln.startswith("flags")), [])
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"avx2 {'avx2' in flags}, avx512_bf16 {'avx512_bf16' in flags}, amx {'amx_bf16' in flags}; textures {args.side}x{args.side} RGBA8")
    print()
    print("| cache | texels MiB | file MiB | peak RSS MB | seconds |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for mib in (int(s) for s in args.sizes.split(",")):
            for kind, writer in (("htc", write_htc), ("hts", write_hts)):
                cache = tmp / f"BENCH_HIRESTEXTURES.{kind}"
                writer(cache, mib, args.side)
                peak, secs = peak_mb(cache, tmp / "out")
                print(f"| .{kind} | {mib} | {cache.stat().st_size / 2**20:.0f} | {peak:.0f} | {secs:.1f} |", flush=True)
                cache.unlink()
                subprocess.run(["rm", "-rf", str(tmp / "out")])


if __name__ == "__main__":
    main()
