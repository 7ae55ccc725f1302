"""`texpack extract`: unpack a GLideN64 texture cache (``.hts``/``.htc``) into a PNG pack.

Some packs are distributed only as caches. Each entry becomes
``<out>/hires_texture/<IDENT>/<name>.png`` under a name GLideN64 maps to the same key
and format/size (:func:`texpack.targets.gliden64_cache.entry_name`), with the pixels as
GLideN64 held them.

A cache may come from someone else: it is read one record at a time
(:class:`texpack.targets.gliden64_cache.CacheReader`), so memory stays flat whatever its
size; an entry that cannot be read is named and skipped, and a file already in ``--out``
under an entry's name is kept unless ``overwrite``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from texpack.atomic import write_atomic
from texpack.errors import UsageError
from texpack.imageio import encode_png
from texpack.targets.gliden64_cache import BadEntry, CacheError, CacheReader, entry_name

_NAME = re.compile(r"(?P<ident>.+)_HIRESTEXTURES\.(hts|htc)$", re.I)


@dataclass(slots=True)
class Extracted:
    ident: str
    folder: Path
    config: int
    kind: str
    files: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # files already there, left alone
    skipped: list[str] = field(default_factory=list)  # "<entry>: <reason>" for entries not written


def ident_of(cache: Path) -> str:
    m = _NAME.match(Path(cache).name)
    if not m:
        raise UsageError(f"{Path(cache).name}: not named <IDENT>_HIRESTEXTURES.hts or .htc; pass --ident")
    return m["ident"]


def extract(cache: Path, out: Path, ident: str | None = None, overwrite: bool = False) -> Extracted:
    ident = ident or ident_of(cache)
    if "/" in ident or "\\" in ident or "\0" in ident or ident in ("", ".", ".."):
        raise UsageError(f"IDENT {ident!r} cannot be a folder name")
    folder = Path(out) / "hires_texture" / ident
    with CacheReader(cache) as reader:
        res = Extracted(ident, folder, reader.config, reader.kind)
        try:
            _write_entries(reader, ident, folder, overwrite, res)
        except CacheError as err:  # stream damage: what came before it is written and stays
            res.skipped.append(f"the rest of the cache: {err.reason}")
    return res


def _write_entries(reader: CacheReader, ident: str, folder: Path, overwrite: bool, res: Extracted) -> None:
    seen: set[str] = set()
    png: tuple[object, bytes] = (None, b"")  # entries sharing one record share its pixels: encode once
    for e in reader.entries():
        if isinstance(e, BadEntry):
            res.skipped.append(f"entry {e.key:016X}: {e.reason}")
            continue
        if e.key == 0:
            # it would be named #$#F#S#00000000, the wildcard that makes GLideN64 abandon the pack
            res.skipped.append(f"entry {e.key:016X}: key 0 cannot be named without making GLideN64 drop the whole pack")
            continue
        name = entry_name(ident, e)
        if name in seen:
            continue  # GLideN64 keeps the first of two equal keys too
        seen.add(name)
        path = folder / name
        if not overwrite and (path.exists() or path.is_symlink()):
            res.kept.append(path)
            continue
        if png[0] is not e.rgba:
            png = (e.rgba, encode_png(e.rgba))
        write_atomic(path, png[1])
        res.files.append(path)
