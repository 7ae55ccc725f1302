"""GLideN64's texture-pack caches, both ways: ``<IDENT>_HIRESTEXTURES.hts`` and ``.htc``.

Format version 0x08000000 (GLideN64 since 2022-01; docs/formats/n64.md "Cache files"),
little-endian, packed:

- ``.hts`` (``TxFileStorage``, file storage on): int32 version, int32 config, int64 index
  offset; records of (uint32 width, height, format; uint16 texture_format, pixel_type;
  uint8 is_hires; uint16 N64 format|size<<8; uint32 size; data); then int32 count and
  count x (uint64 key, int64 value), value = (format|size<<8) << 48 | record offset.
- ``.htc`` (``TxMemoryCache``, file storage off): a gzip stream of int32 version, int32
  config, then records of (uint64 key, the same record) until the end.

A record's data is zlib-compressed when its format has bit 0x80000000; GLideN64 builds
since 2026-01 write zstd frames there (and a zstd outer stream for ``.htc``), which
:func:`read_cache` reads too. texpack writes zlib and gzip, which every build reads.

GLideN64 loads a cache only when its config word equals the one its settings give
(``TxHiResCache::_getConfig``), so the settings the pack is for are stated with
GLideN64's own names (:class:`GLideN64Settings`) and turned into that word.
"""

from __future__ import annotations

import gzip
import io
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from texpack.atomic import atomic_output
from texpack.emulators.n64names import N64Name, parse_n64_name
from texpack.errors import DumpNameError, FileError, ImageError, PackError, UsageError
from texpack.imageio import load_rgba

VERSION = 0x08000000
# Option bits of the config word (TxFilterExport.h).
RICE_HIRESTEXTURES = 0x00020000
FILE_HIRESTEXCACHE = 0x00200000
GZ_HIRESTEXCACHE = 0x00800000
LET_TEXARTISTS_FLY = 0x40000000
GL_RGBA8, GL_RGBA, GL_UNSIGNED_BYTE = 0x8058, 0x1908, 0x1401
GL_RGBA4, GL_RGB5_A1, GL_RGB8 = 0x8056, 0x8057, 0x8051
GL_TEXFMT_GZ = 0x80000000
MAX_SIDE = 4096
_RECORD = struct.Struct("<IIIHHBHI")
_HEADER = struct.Struct("<iiq")
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
MAX_RECORD_BYTES = MAX_SIDE * MAX_SIDE * 4


@dataclass(frozen=True, slots=True)
class GLideN64Settings:
    """The GLideN64 settings a cache depends on, under GLideN64's own names.

    Defaults are GLideN64's own defaults with hi-res textures switched on.
    """

    txHiresEnable: int = 1
    txHiresTextureFileStorage: int = 0
    txCacheCompression: int = 1
    txHiresFullAlphaChannel: int = 1
    txForce16bpp: int = 0
    txSaveCache: int = 1

    @classmethod
    def parse(cls, assignments: list[str]) -> GLideN64Settings:
        """From ``NAME=VALUE`` strings (values 0/1, true/false)."""
        known = {f.name: f for f in fields(cls)}
        values: dict[str, int] = {}
        for a in assignments:
            name, eq, value = a.partition("=")
            name = name.strip()
            if not eq or name not in known:
                raise UsageError(f"GLideN64 setting {a!r}: expected NAME=0|1 with NAME one of {', '.join(known)}")
            v = value.strip().lower()
            if v not in ("0", "1", "true", "false"):
                raise UsageError(f"GLideN64 setting {a!r}: value must be 0 or 1")
            values[name] = int(v in ("1", "true"))
        s = cls(**values)
        if not s.txHiresEnable:
            raise UsageError("txHiresEnable=0 loads no texture pack at all")
        if s.txForce16bpp:
            raise UsageError("texpack writes caches for txForce16bpp=0 only; with txForce16bpp=1 let GLideN64 build its cache from the PNGs")
        return s

    def config(self, file_storage: bool) -> int:
        """The config word of a ``.hts`` (``file_storage``) or ``.htc`` for these settings."""
        word = RICE_HIRESTEXTURES
        if file_storage:
            word |= FILE_HIRESTEXCACHE
        if self.txCacheCompression:
            word |= GZ_HIRESTEXCACHE
        if self.txHiresFullAlphaChannel:
            word |= LET_TEXARTISTS_FLY
        return word

    def instructions(self) -> list[str]:
        """The settings to turn on in GLideN64, exactly as they must be."""
        ext = "hts" if self.txHiresTextureFileStorage else "htc"
        lines = [
            f"txHiresEnable=1, txHiresTextureFileStorage={self.txHiresTextureFileStorage}, "
            f"txCacheCompression={self.txCacheCompression}, txHiresFullAlphaChannel={self.txHiresFullAlphaChannel}, txForce16bpp=0"
            + ("" if self.txHiresTextureFileStorage else ", txSaveCache=1"),
            f"copy <IDENT>_HIRESTEXTURES.{ext} into GLideN64's cache folder (txCachePath, an absolute path)",
        ]
        if not self.txHiresTextureFileStorage and not self.txSaveCache:
            lines.append("with txSaveCache=0 and file storage off GLideN64 reads no .htc: it rescans the PNGs")
        return lines


@dataclass(frozen=True, slots=True)
class CacheEntry:
    key: int
    fmt: int
    siz: int
    rgba: np.ndarray  # (h, w, 4) uint8, as GLideN64 holds it


def loader_pixels(rgba: np.ndarray, fmt: int, siz: int, full_alpha: bool = True) -> np.ndarray:
    """What GLideN64's PNG loader makes of a pack image (``TxHiResLoader::loadFileInfoTex``).

    With full alpha off, RGBA16 and CI textures get 1-bit alpha (255 stays, anything else
    becomes 0) and each now-hidden texel the average colour of its opaque 8-neighbours.
    I textures whose alpha is all 0xFE or more get alpha = (R+G+B)/3.
    """
    out = rgba
    if not full_alpha and ((fmt == 0 and siz == 2) or fmt == 2):
        out = rgba.copy()
        opaque = out[..., 3] == 255
        h, w = opaque.shape
        pad = np.pad(out[..., :3].astype(np.uint32), ((1, 1), (1, 1), (0, 0)))
        po = np.pad(opaque, 1)
        acc = np.zeros((h, w, 3), np.uint32)
        cnt = np.zeros((h, w), np.uint32)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                if dy == dx == 0:
                    continue
                m = po[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]
                acc += pad[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w] * m[..., None]
                cnt += m
        hidden = ~opaque
        fill = hidden & (cnt > 0)
        out[fill, :3] = (acc[fill] // cnt[fill][:, None]).astype(np.uint8)
        out[..., 3] = np.where(opaque, 255, 0)
    if fmt == 4 and out[..., 3].min() >= 0xFE:
        out = out.copy()
        out[..., 3] = out[..., :3].astype(np.uint16).sum(axis=-1) // 3
    return out


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
        k = (name.gliden64_key, name.fmt, name.siz)
        if k[0] == 0:
            skipped.append(f"{rel.as_posix()}: key 0 (CRC 00000000): GLideN64 would abandon the whole pack")
            continue
        if k in seen:
            skipped.append(f"{rel.as_posix()}: same key as an earlier file")
            continue
        seen.add(k)
        files.append((p, name))
    return files, skipped


class _Readable(Protocol):
    def read(self, n: int, /) -> bytes: ...


def _entries(game_dir: Path, ident: str, full_alpha: bool, skipped: list[str]) -> Iterator[tuple[int, int, np.ndarray]]:
    files, skip = collect(game_dir, ident)
    skipped += skip
    for path, name in files:
        try:
            rgba = loader_pixels(load_rgba(path), name.fmt, name.siz, full_alpha)
        except ImageError as e:
            skipped.append(str(e))
            continue
        if max(rgba.shape[:2]) > MAX_SIDE or rgba.shape[0] * rgba.shape[1] < 4:
            skipped.append(f"{path.name}: {rgba.shape[1]}x{rgba.shape[0]} is outside what GLideN64 loads")
            continue
        yield name.gliden64_key, name.fmt | name.siz << 8, rgba


def _record(rgba: np.ndarray, formatsize: int, compress: bool) -> bytes:
    h, w = rgba.shape[:2]
    data = np.ascontiguousarray(rgba).tobytes()
    fmt = GL_RGBA8
    if compress:
        data, fmt = zlib.compress(data, 1), fmt | GL_TEXFMT_GZ
    return _RECORD.pack(w, h, fmt, GL_RGBA, GL_UNSIGNED_BYTE, 1, formatsize, len(data)) + data


def write_hts(game_dir: Path, ident: str, dest: Path, settings: GLideN64Settings = GLideN64Settings()) -> tuple[int, list[str]]:
    """Write ``dest`` (.hts) from the pack; returns (textures stored, files left out with why)."""
    skipped: list[str] = []
    count = 0
    with atomic_output(dest) as f:
        f.write(_HEADER.pack(VERSION, -1, 0))  # config -1 marks a file still being written
        index: list[tuple[int, int]] = []
        for key, formatsize, rgba in _entries(game_dir, ident, bool(settings.txHiresFullAlphaChannel), skipped):
            index.append((key, formatsize << 48 | f.tell()))
            f.write(_record(rgba, formatsize, bool(settings.txCacheCompression)))
        if not index:
            raise PackError(dest.name, f"no textures in {game_dir} to store")
        pos = f.tell()
        f.write(struct.pack("<i", len(index)))
        for key, value in index:
            f.write(struct.pack("<Qq", key, value))
        f.seek(0)
        f.write(_HEADER.pack(VERSION, settings.config(True), pos))
        count = len(index)
    return count, skipped


def write_htc(game_dir: Path, ident: str, dest: Path, settings: GLideN64Settings = GLideN64Settings()) -> tuple[int, list[str]]:
    """Write ``dest`` (.htc, a gzip stream) from the pack; returns (textures stored, files left out)."""
    skipped: list[str] = []
    count = 0
    with atomic_output(dest) as f:
        with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=1, mtime=0) as gz:
            gz.write(struct.pack("<ii", VERSION, settings.config(False)))
            for key, formatsize, rgba in _entries(game_dir, ident, bool(settings.txHiresFullAlphaChannel), skipped):
                gz.write(struct.pack("<Q", key) + _record(rgba, formatsize, bool(settings.txCacheCompression)))
                count += 1
        if not count:
            raise PackError(dest.name, f"no textures in {game_dir} to store")
    return count, skipped


# -- reading ----------------------------------------------------------------------------
#
# A cache may come from someone else, so it is read as a stream: one record at a time,
# each bounded by the size its header declares (w x h x bytes per texel, at most
# MAX_SIDE x MAX_SIDE) before anything is allocated, and inflated no further than that.
# Peak memory is one record, whatever the cache's size or how its index points.


class CacheError(FileError):
    """A cache whose content is damaged or impossible (bad input: exit 2, not 3)."""


@dataclass(frozen=True, slots=True)
class BadEntry:
    """An index entry that cannot be read; the others still can (``.hts`` only)."""

    key: int
    reason: str


def _texel_bytes(fmt: int) -> int:
    return 4 if fmt & ~GL_TEXFMT_GZ == GL_RGBA8 else 2


def _inflate(data: bytes, name: str, expected: int) -> bytes:
    """``data`` inflated, refused as soon as it passes ``expected`` bytes."""
    try:
        if data[:4] == _ZSTD_MAGIC:
            import zstandard

            out = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)).read(expected + 1)
        else:
            d = zlib.decompressobj()
            out = d.decompress(data, expected + 1)
    except (zlib.error, ValueError) as e:
        raise CacheError(name, f"a record does not decompress ({e})") from e
    except Exception as e:  # zstandard.ZstdError
        if type(e).__name__ == "ZstdError":
            raise CacheError(name, f"a record does not decompress ({e})") from e
        raise
    if len(out) > expected:
        raise CacheError(name, f"a record inflates past the {expected} bytes its size declares")
    return out


def _pixels(rec: tuple[Any, ...], raw: bytes, name: str) -> np.ndarray:
    w, h, fmt, _tf, pixel_type, _hires, _fs, _size = rec
    base = fmt & ~GL_TEXFMT_GZ
    if base == GL_RGBA8:
        if len(raw) != w * h * 4:
            raise CacheError(name, f"a {w}x{h} RGBA8 record holds {len(raw)} bytes")
        return np.frombuffer(raw, np.uint8).reshape(h, w, 4).copy()
    if len(raw) != w * h * 2:
        raise CacheError(name, f"a {w}x{h} 16-bit record holds {len(raw)} bytes")
    v = np.frombuffer(raw, "<u2").reshape(h, w).astype(np.uint32)
    out = np.empty((h, w, 4), np.uint8)
    if base == GL_RGBA4:  # GL_UNSIGNED_SHORT_4_4_4_4: R in the top bits
        for i, shift in enumerate((12, 8, 4, 0)):
            out[..., i] = ((v >> shift) & 15) * 17
    elif base == GL_RGB5_A1:  # 5_5_5_1
        for i, shift in enumerate((11, 6, 1)):
            c = (v >> shift) & 31
            out[..., i] = (c << 3) | (c >> 2)
        out[..., 3] = (v & 1) * 255
    else:  # GL_RGB8 as GLideN64 stores it: 5_6_5
        r, g, b = (v >> 11) & 31, (v >> 5) & 63, v & 31
        out[..., 0], out[..., 1], out[..., 2] = (r << 3) | (r >> 2), (g << 2) | (g >> 4), (b << 3) | (b >> 2)
        out[..., 3] = 255
    return out


def _record_head(head: bytes, name: str, left: int) -> tuple[Any, ...]:
    """A record header, checked before its payload is read: sizes, format, room in the file."""
    if len(head) < _RECORD.size:
        raise CacheError(name, "ends inside a record")
    rec = _RECORD.unpack(head)
    w, h, fmt, size = rec[0], rec[1], rec[2], rec[7]
    if w < 1 or h < 1 or w > MAX_SIDE or h > MAX_SIDE:
        raise CacheError(name, f"a record claims {w}x{h}")
    if fmt & ~GL_TEXFMT_GZ not in (GL_RGBA8, GL_RGBA4, GL_RGB5_A1, GL_RGB8):
        raise CacheError(name, f"record format 0x{fmt & ~GL_TEXFMT_GZ:04X} is not one GLideN64 writes")
    if size > MAX_RECORD_BYTES or size > left:
        raise CacheError(name, f"a record claims {size} bytes past the end of the file")
    if not fmt & GL_TEXFMT_GZ and size != w * h * _texel_bytes(fmt):
        raise CacheError(name, f"a {w}x{h} record holds {size} bytes")
    return rec


def _decode(rec: tuple[Any, ...], data: bytes, name: str) -> np.ndarray:
    expected = rec[0] * rec[1] * _texel_bytes(rec[2])
    raw = _inflate(data, name, expected) if rec[2] & GL_TEXFMT_GZ else data
    return _pixels(rec, raw, name)


class CacheReader:
    """A ``.hts`` or ``.htc`` of version 0x08000000, opened for streaming.

    ``config`` and ``kind`` are known once it is open; :meth:`entries` yields each entry
    (:class:`CacheEntry`, or :class:`BadEntry` for a ``.hts`` index entry that cannot be
    read) with one record in memory at a time. Stream damage in a ``.htc`` ends the stream
    with :class:`CacheError` after the entries before it.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.name = self.path.name
        try:
            self._f = open(self.path, "rb")  # noqa: SIM115 - closed by close()/__exit__
            self._size = os.fstat(self._f.fileno()).st_size
            magic = self._f.read(4)
        except OSError as e:
            raise CacheError(self.name, f"cannot read ({e.strerror or e})") from e
        self._f.seek(0)
        self.kind = "htc" if self.path.suffix.lower() == ".htc" or magic[:2] == b"\x1f\x8b" or magic == _ZSTD_MAGIC else "hts"
        try:
            self.config = self._open_hts() if self.kind == "hts" else self._open_htc(magic)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> CacheReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._f.close()

    # .hts: header, records, then an index of (key, format/size << 48 | offset) at the end
    def _open_hts(self) -> int:
        head = self._f.read(_HEADER.size + 4)
        if len(head) < _HEADER.size + 4:
            raise CacheError(self.name, "too short for a GLideN64 .hts")
        version, config, pos = _HEADER.unpack_from(head, 0)
        self._check_version(version)
        if config == -1 or pos <= 16 or pos + 4 > self._size:
            raise CacheError(self.name, "unfinished or damaged .hts (GLideN64 rejects it too)")
        self._f.seek(pos)
        (count,) = struct.unpack("<i", self._f.read(4))
        if count <= 0 or pos + 4 + 16 * count > self._size:
            raise CacheError(self.name, f"index of {count} entries does not fit the file")
        self._index_at, self._count = pos + 4, count
        return config

    def _hts_entries(self) -> Iterator[CacheEntry | BadEntry]:
        last: tuple[int, CacheEntry | None] = (-1, None)
        for i in range(self._count):
            self._f.seek(self._index_at + 16 * i)
            key, value = struct.unpack("<Qq", self._f.read(16))
            off = value & ((1 << 48) - 1)
            try:
                if off == last[0] and last[1] is not None:
                    e = last[1]  # entries sharing one record: decoded once
                else:
                    e = self._hts_record(off)
                    last = (off, e)
                if e.fmt | e.siz << 8 != (value >> 48) & 0xFFFF:
                    raise CacheError(self.name, "record and index disagree on format/size")
                yield CacheEntry(key, e.fmt, e.siz, e.rgba)
            except CacheError as err:
                yield BadEntry(key, err.reason)

    def _hts_record(self, off: int) -> CacheEntry:
        if off < _HEADER.size or off + _RECORD.size > self._size:
            raise CacheError(self.name, f"an index entry points outside the file (offset {off})")
        self._f.seek(off)
        rec = _record_head(self._f.read(_RECORD.size), self.name, self._size - off - _RECORD.size)
        return CacheEntry(0, rec[6] & 0xFF, rec[6] >> 8, _decode(rec, self._f.read(rec[7]), self.name))

    # .htc: a (gzip or zstd) stream of header, then (key, record) after (key, record)
    def _open_htc(self, magic: bytes) -> int:
        self._stream: _Readable
        if magic[:2] == b"\x1f\x8b":
            self._stream = gzip.GzipFile(fileobj=self._f)
        elif magic == _ZSTD_MAGIC:
            import zstandard

            self._stream = zstandard.ZstdDecompressor().stream_reader(self._f)
        else:
            self._stream = self._f
        head = self._read_stream(8)
        if len(head) < 8:
            raise CacheError(self.name, "too short for a GLideN64 .htc")
        version, config = struct.unpack("<ii", head)
        self._check_version(version)
        return config

    def _read_stream(self, n: int) -> bytes:
        try:
            return self._stream.read(n)
        except (OSError, EOFError, zlib.error) as e:
            raise CacheError(self.name, f"the .htc stream does not decompress ({e})") from e
        except Exception as e:
            if type(e).__name__ == "ZstdError":
                raise CacheError(self.name, f"the .htc stream does not decompress ({e})") from e
            raise

    def _htc_entries(self) -> Iterator[CacheEntry | BadEntry]:
        while True:
            head = self._read_stream(8 + _RECORD.size)
            if len(head) < 8:
                return  # the end (a few stray bytes are ignored, as GLideN64 does)
            (key,) = struct.unpack_from("<Q", head, 0)
            rec = _record_head(head[8:], self.name, MAX_RECORD_BYTES)
            data = self._read_stream(rec[7])
            if len(data) < rec[7]:
                raise CacheError(self.name, "ends inside a record")
            yield CacheEntry(key, rec[6] & 0xFF, rec[6] >> 8, _decode(rec, data, self.name))

    def entries(self) -> Iterator[CacheEntry | BadEntry]:
        return self._hts_entries() if self.kind == "hts" else self._htc_entries()

    def _check_version(self, version: int) -> None:
        if version != VERSION:
            raise CacheError(self.name, f"not a GLideN64 cache of format 0x{VERSION:08X} (found 0x{version & 0xFFFFFFFF:08X})")


def read_cache(path: Path) -> tuple[int, str, list[CacheEntry]]:
    """The whole cache at once: (config, kind, entries); the first bad entry is an error.
    For caches of known origin (tests, texpack's own); :class:`CacheReader` streams."""
    with CacheReader(path) as r:
        entries = []
        for e in r.entries():
            if isinstance(e, BadEntry):
                raise CacheError(r.name, e.reason)
            entries.append(e)
        return r.config, r.kind, entries


def entry_name(ident: str, e: CacheEntry) -> str:
    """A pack file name GLideN64 maps to this entry's key and format/size."""
    tex, pal = e.key & 0xFFFFFFFF, e.key >> 32
    ci_like = e.fmt == 2 or (e.fmt == 0 and e.siz <= 1)
    if tex == 0:  # keyed by palette alone: the '$' texture wildcard
        return N64Name(ident, "$", e.fmt, e.siz, f"{e.key & 0xFFFFFFFF:08X}", "ciByRGBA", "png").format()
    suffix = "ciByRGBA" if ci_like else "all"
    return N64Name(ident, f"{tex:08X}", e.fmt, e.siz, f"{pal:08X}" if pal else None, suffix, "png").format()
