"""GLideN64 caches from strangers: bombs, records that lie about their size, and a user's
files in the way. Each cache is built here from scratch; each case runs the real CLI with
a capped address space and is judged by exit code, files and peak memory."""

from __future__ import annotations

import gzip
import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from texpack.imageio import encode_png, load_rgba

from .run import texpack

zstandard = pytest.importorskip("zstandard")

VERSION = 0x08000000
RGBA8, GZ = 0x8058, 0x80000000
PEAK_MB = 500  # issue: extract stays under 500 MB on every bomb
BIG = 4096  # the largest side GLideN64 loads; one RGBA8 record of it is 64 MiB
ZEROS = bytes(BIG * BIG * 4)


def record(w: int, h: int, payload: bytes, fmt: int = RGBA8, fs: int = 0x0300) -> bytes:
    """One record as GLideN64 writes it: w, h, format, GL format, GL type, hi-res flag, format/size, size."""
    return struct.pack("<IIIHHBHI", w, h, fmt, 0x1908, 0x1401, 1, fs, len(payload)) + payload


def hts(records: list[bytes], index: list[tuple[int, int, int]]) -> bytes:
    """A .hts: header, records, then the index (key, format/size, record number)."""
    offsets, pos, body = [], 16, b""
    for r in records:
        offsets.append(pos)
        body += r
        pos += len(r)
    idx = struct.pack("<i", len(index)) + b"".join(struct.pack("<Qq", key, fs << 48 | offsets[n]) for key, fs, n in index)
    return struct.pack("<iiq", VERSION, 0x40A20000, 16 + len(body)) + body + idx


def htc_stream(writer, items) -> None:
    """Write a .htc stream (header, then key + record) through ``writer``; items yield (key, record head, payload chunks)."""
    writer.write(struct.pack("<ii", VERSION, 0x40820000))
    for key, head, chunks in items:
        writer.write(struct.pack("<Q", key) + head)
        for c in chunks:
            writer.write(c)


def raw_records(n: int):
    """n records of 4096x4096 RGBA8, stored uncompressed inside the stream (64 MiB each)."""
    head = struct.pack("<IIIHHBHI", BIG, BIG, RGBA8, 0x1908, 0x1401, 1, 0x0300, len(ZEROS))
    # all under one key: the old reader inflated every record before writing any; only the first is written
    return [(0x11, head, [ZEROS]) for _ in range(n)]


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bombs")
    out = {}
    # zstd .htc: 3.5 GiB of stream in about 110 KB
    p = d / "ZSTD_HIRESTEXTURES.htc"
    with open(p, "wb") as f, zstandard.ZstdCompressor(level=1).stream_writer(f) as w:
        htc_stream(w, raw_records(56))
    out["zstd-htc"] = p
    # gzip .htc: 3.5 GiB in about 16 MB
    p = d / "GZIP_HIRESTEXTURES.htc"
    with gzip.open(p, "wb", compresslevel=1) as w:
        htc_stream(w, raw_records(56))
    out["gzip-htc"] = p
    # .hts: 100 index entries pointing at one zlib record that inflates to 64 MiB
    rec = record(BIG, BIG, zlib.compress(ZEROS, 9), RGBA8 | GZ)
    p = d / "SHARED_HIRESTEXTURES.hts"
    p.write_bytes(hts([rec], [(0x1000 + k, 0x0300, 0) for k in range(100)]))
    out["shared-hts"] = p
    return out


@pytest.mark.parametrize("case,written", [("zstd-htc", 1), ("gzip-htc", 1), ("shared-hts", 100)])
def test_cache_bombs_extract_in_flat_memory(bombs, tmp_path, case, written):
    r = texpack("extract", bombs[case], "--out", tmp_path, timeout=300)
    assert r.code == 0 and not r.traceback, (r.out, r.err[-2000:])
    files = list(tmp_path.rglob("*.png"))
    assert len(files) == written
    assert load_rgba(files[0]).shape == (BIG, BIG, 4)
    assert r.peak_mb < PEAK_MB, f"{case}: peak {r.peak_mb:.0f} MB"


def test_a_record_inflating_past_its_declared_size_is_skipped_and_the_rest_written(tmp_path):
    good = np.arange(4 * 4 * 4, dtype=np.uint8).reshape(4, 4, 4)
    liar = record(4, 4, zlib.compress(bytes(64 << 20), 9), RGBA8 | GZ)  # says 4x4, inflates to 64 MiB
    cache = tmp_path / "G_HIRESTEXTURES.hts"
    cache.write_bytes(hts([liar, record(4, 4, good.tobytes())], [(0x1, 0x0300, 0), (0x2, 0x0300, 1)]))
    r = texpack("extract", cache, "--out", tmp_path / "out")
    assert r.code == 1 and not r.traceback and "inflates past" in r.out
    (f,) = (tmp_path / "out").rglob("*.png")
    assert np.array_equal(load_rgba(f), good) and "#00000002#" in f.name
    assert r.peak_mb < PEAK_MB


@pytest.mark.parametrize("damage", ["not-a-cache", "bad-version", "index-outside", "htc-truncated-stream"])
def test_damaged_caches_are_bad_input(tmp_path, damage):
    px = np.full((4, 4, 4), 200, np.uint8)
    cache = tmp_path / "D_HIRESTEXTURES.hts"
    if damage == "not-a-cache":
        cache.write_bytes(b"hello, this is not a cache at all")
    elif damage == "bad-version":
        cache.write_bytes(struct.pack("<iiq", 7, 0, 40) + bytes(40))
    elif damage == "index-outside":
        cache.write_bytes(hts([record(4, 4, px.tobytes())], [(0x5, 0x0300, 0)])[:-4] + struct.pack("<i", 1 << 30))
    else:
        cache = tmp_path / "D_HIRESTEXTURES.htc"
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb") as w:
            htc_stream(w, [(0x5, record(4, 4, px.tobytes())[:23], [px.tobytes()]), (0x6, record(4, 4, px.tobytes())[:23], [px.tobytes()])])
        cache.write_bytes(buf.getvalue()[:-30])
    r = texpack("extract", cache, "--out", tmp_path / "out")
    assert not r.traceback, r.err[-2000:]
    # the whole cache unreadable: bad input (2); damage after some entries: those are written (1)
    assert r.code == (1 if damage in ("index-outside", "htc-truncated-stream") else 2), (r.code, r.out, r.err)


def test_key_zero_is_skipped_with_its_reason(tmp_path):
    px = np.full((4, 4, 4), 90, np.uint8)
    cache = tmp_path / "K_HIRESTEXTURES.hts"
    cache.write_bytes(hts([record(4, 4, px.tobytes())], [(0, 0x0300, 0), (0x7, 0x0300, 0)]))
    r = texpack("extract", cache, "--out", tmp_path / "out")
    assert r.code == 1 and "key 0" in r.out
    names = sorted(p.name for p in (tmp_path / "out").rglob("*.png"))
    assert names == ["K#00000007#0#3_all.png"]  # never the pack-killing '#$#0#3#00000000' name


def test_a_users_file_in_the_way_is_kept_unless_overwrite(tmp_path):
    px = np.full((4, 4, 4), 33, np.uint8)
    cache = tmp_path / "U_HIRESTEXTURES.hts"
    cache.write_bytes(hts([record(4, 4, px.tobytes())], [(0x9, 0x0300, 0)]))
    mine = tmp_path / "out" / "hires_texture" / "U" / "U#00000009#0#3_all.png"
    mine.parent.mkdir(parents=True)
    mine.write_bytes(encode_png(np.zeros((8, 8, 4), np.uint8)))
    before = mine.read_bytes()
    r = texpack("extract", cache, "--out", tmp_path / "out")
    assert r.code == 0 and "kept 1" in r.out and mine.read_bytes() == before
    r = texpack("extract", cache, "--out", tmp_path / "out", "--overwrite")
    assert r.code == 0 and np.array_equal(load_rgba(mine), px)
