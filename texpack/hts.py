"""GLideN64's single-file texture storage (``<IDENT>_HIRESTEXTURES.hts``), written from a pack folder.

Layout, format version 0x08000000 (specs/n64-formats.md §3.1, GLideN64 since 2022-01):
int32 version, int32 config, int64 index offset; then one record per texture (uint32 width,
height, format; uint16 texture_format, pixel_type; uint8 is_hires; uint16 N64 format/size;
uint32 data size; data); then int32 count and count x (uint64 key, int64 value), where
value = (fmt | siz << 8) << 48 | record offset. Little-endian, packed.
"""

from __future__ import annotations

import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from texpack.emulators.n64names import N64Name, parse_n64_name
from texpack.errors import DumpNameError, ImageError, PackError
from texpack.imageio import TMP_PREFIX, load_rgba

VERSION = 0x08000000
# txHiresEnable | .hts file storage | zlib compression | full alpha channel: GLideN64's defaults (§3).
DEFAULT_CONFIG = 0x40A20000
GL_RGBA8, GL_RGBA, GL_UNSIGNED_BYTE = 0x8058, 0x1908, 0x1401
GL_TEXFMT_GZ = 0x80000000
MAX_SIDE = 4096
_RECORD = struct.Struct("<IIIHHBHI")
_HEADER = struct.Struct("<iiq")


@dataclass(frozen=True, slots=True)
class HtsEntry:
    key: int
    fmt: int
    siz: int
    width: int
    height: int
    rgba: np.ndarray


def checksum_key(name: N64Name) -> int:
    """GLideN64's 64-bit key: palette CRC high, texture CRC low; a '$' texture CRC keys by palette alone (§2.1)."""
    tex = name.crc_value or 0
    pal = name.pal_value or 0
    return pal if tex == 0 else (pal << 32) | tex


def _loader_pixels(rgba: np.ndarray, fmt: int) -> np.ndarray:
    """What GLideN64's PNG loader would hold: I textures without alpha get alpha = intensity; big ones shrink (§2.1)."""
    if fmt == 4 and rgba[..., 3].min() >= 0xFE:
        rgba = rgba.copy()
        rgba[..., 3] = rgba[..., :3].astype(np.uint16).sum(axis=-1) // 3
    h, w = rgba.shape[:2]
    f = max(-(-w // MAX_SIDE), -(-h // MAX_SIDE))
    if f > 1:  # box-minify by an integer factor, as the loader does
        h2, w2 = h // f, w // f
        rgba = rgba[: h2 * f, : w2 * f].reshape(h2, f, w2, f, 4).mean(axis=(1, 3)).round().astype(np.uint8)
    return rgba


def collect(game_dir: Path, ident: str) -> tuple[list[tuple[Path, N64Name]], list[str]]:
    """The pack's loadable files in GLideN64's order (first wins), and why others were left out."""
    files: list[tuple[Path, N64Name]] = []
    skipped: list[str] = []
    seen: set[tuple[int, int, int]] = set()
    for p in sorted(game_dir.rglob("*.png")):
        rel = p.relative_to(game_dir)
        if any(part.startswith((".", "~!~")) for part in rel.parts):
            continue
        try:
            name = parse_n64_name(p.name, ident, allow_wildcards=True)
        except DumpNameError as e:
            skipped.append(f"{rel.as_posix()}: {e.reason}")
            continue
        if name.suffix not in ("all", "ciByRGBA", "allciByRGBA"):
            skipped.append(f"{rel.as_posix()}: _{name.suffix} files are not stored")
            continue
        k = (checksum_key(name), name.fmt, name.siz)
        if k in seen:
            skipped.append(f"{rel.as_posix()}: same key as an earlier file")
            continue
        seen.add(k)
        files.append((p, name))
    return files, skipped


def write_hts(game_dir: Path, ident: str, dest: Path, config: int = DEFAULT_CONFIG, compress: bool = True) -> tuple[int, list[str]]:
    """Write every texture of ``game_dir`` into ``dest`` atomically; returns (count, skipped reasons)."""
    files, skipped = collect(game_dir, ident)
    if not files:
        raise PackError(f"{game_dir}: no textures to store in {dest.name}")
    tmp = dest.with_name(f"{TMP_PREFIX}{os.getpid()}-{dest.name}")
    index: list[tuple[int, int]] = []
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(_HEADER.pack(VERSION, config, 0))
            for path, name in files:
                try:
                    rgba = _loader_pixels(load_rgba(path), name.fmt)
                except ImageError as e:
                    skipped.append(str(e))
                    continue
                h, w = rgba.shape[:2]
                data = rgba.tobytes()
                fmt = GL_RGBA8
                if compress:
                    data, fmt = zlib.compress(data, 1), fmt | GL_TEXFMT_GZ
                formatsize = name.fmt | name.siz << 8
                index.append((checksum_key(name), formatsize << 48 | f.tell()))
                f.write(_RECORD.pack(w, h, fmt, GL_RGBA, GL_UNSIGNED_BYTE, 1, formatsize, len(data)))
                f.write(data)
            pos = f.tell()
            f.write(struct.pack("<i", len(index)))
            for key, value in index:
                f.write(struct.pack("<Qq", key, value))
            f.seek(0)
            f.write(_HEADER.pack(VERSION, config, pos))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise PackError(f"{dest.name}: cannot write ({e.strerror or e})") from e
    return len(index), skipped


def read_hts(path: Path) -> tuple[int, list[HtsEntry]]:
    """Read a version-0x08000000 storage file back (for checks and tests); returns (config, entries)."""
    data = Path(path).read_bytes()
    version, config, pos = _HEADER.unpack_from(data, 0)
    if version != VERSION:
        raise PackError(f"{Path(path).name}: not a GLideN64 storage file of version 0x{VERSION:08X}")
    (count,) = struct.unpack_from("<i", data, pos)
    entries = []
    for i in range(count):
        key, value = struct.unpack_from("<Qq", data, pos + 4 + 16 * i)
        off = value & ((1 << 48) - 1)
        w, h, fmt, _, _, _, formatsize, size = _RECORD.unpack_from(data, off)
        raw = data[off + _RECORD.size : off + _RECORD.size + size]
        if fmt & GL_TEXFMT_GZ:
            raw = zlib.decompress(raw)
        rgba = np.frombuffer(raw, np.uint8).reshape(h, w, 4)
        if formatsize != value >> 48:
            raise PackError(f"{Path(path).name}: record and index disagree on format/size")
        entries.append(HtsEntry(key, formatsize & 0xFF, formatsize >> 8, w, h, rgba))
    return config, entries
