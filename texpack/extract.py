"""`texpack extract`: unpack a GLideN64 texture cache (``.hts``/``.htc``) into a PNG pack.

Some packs are distributed only as caches. Each entry becomes
``<out>/hires_texture/<IDENT>/<name>.png`` under a name GLideN64 maps to the same key
and format/size (:func:`texpack.targets.gliden64_cache.entry_name`), with the pixels as
GLideN64 held them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from texpack.atomic import write_atomic
from texpack.errors import PackError, UsageError
from texpack.imageio import encode_png
from texpack.targets.gliden64_cache import entry_name, read_cache

_NAME = re.compile(r"(?P<ident>.+)_HIRESTEXTURES\.(hts|htc)$", re.I)


@dataclass(slots=True)
class Extracted:
    ident: str
    folder: Path
    config: int
    kind: str
    files: list[Path] = field(default_factory=list)


def ident_of(cache: Path) -> str:
    m = _NAME.match(Path(cache).name)
    if not m:
        raise UsageError(f"{Path(cache).name}: not named <IDENT>_HIRESTEXTURES.hts or .htc; pass --ident")
    return m["ident"]


def extract(cache: Path, out: Path, ident: str | None = None) -> Extracted:
    ident = ident or ident_of(cache)
    if "/" in ident or "\\" in ident or ident in ("", ".", ".."):
        raise UsageError(f"IDENT {ident!r} cannot be a folder name")
    config, kind, entries = read_cache(cache)
    folder = Path(out) / "hires_texture" / ident
    res = Extracted(ident, folder, config, kind)
    seen: set[str] = set()
    for e in entries:
        name = entry_name(ident, e)
        if name in seen:
            continue  # GLideN64 keeps the first of two equal keys too
        seen.add(name)
        path = folder / name
        try:
            write_atomic(path, encode_png(e.rgba))
        except PackError:
            raise
        res.files.append(path)
    return res
