"""Rice Video dumps: ``texture_dump/<IDENT>/{png_all,ci_by_png,…}/`` (docs/formats/n64.md "Rice dumps")."""

from __future__ import annotations

from pathlib import Path

from texpack import fswalk
from texpack.emulators.n64names import N64Name, parse_n64_name
from texpack.fswalk import Listing

ID = "rice"
FAMILY = "n64"
SUBFOLDERS = ("png_all", "ci_by_png", "png_by_rgb_a", "ci_bmp", "ci_bmp_with_pal_crc")
DUMP_SUFFIXES: dict[str, tuple[str, ...]] = {"all": ("png",), "ciByRGBA": ("png",), "rgb": ("png",), "a": ("png",), "ci": ("bmp",)}


def root_at(folder: Path) -> list[tuple[str, Path]]:
    if folder.name in SUBFOLDERS and any((folder.parent / s).is_dir() for s in SUBFOLDERS):
        return [(folder.parent.name, folder.parent)]
    if any((folder / s).is_dir() for s in SUBFOLDERS):
        return [(folder.name, folder)]
    return []


def list_files(root: Path) -> Listing:
    out = Listing()
    for sub in SUBFOLDERS:
        d = root / sub
        if d.is_dir():
            part = fswalk.list_files(d)
            out.files += part.files
            out.too_deep += part.too_deep
    out.files.sort()
    return out


def parse(name: str, game: str) -> N64Name:
    return parse_n64_name(name, game, suffixes=DUMP_SUFFIXES)
