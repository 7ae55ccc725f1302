"""Rice Video dumps: ``texture_dump/<IDENT>/{png_all,ci_by_png,…}/`` (docs/formats/n64.md "Rice dumps")."""

from __future__ import annotations

from pathlib import Path

from texpack import fswalk
from texpack.emulators.base import Emulator, TextureName
from texpack.emulators.facts import MatchKey
from texpack.emulators.n64names import FORMAT_LABELS, N64Name, parse_n64_name
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


def half_of(key: TextureName) -> tuple[str, str] | None:
    """Rice's ``_rgb`` and ``_a`` files are the two halves of one texture (docs/formats/n64.md)."""
    if isinstance(key, N64Name) and key.suffix in ("rgb", "a"):
        return key.suffix, key.stem
    return None


def partner_name(file_name: str) -> str | None:
    for mine, other in (("_a.png", "_rgb.png"), ("_rgb.png", "_a.png")):
        if file_name.endswith(mine):
            return file_name[: -len(mine)] + other
    return None


MATCH_KEYS = {"format": MatchKey(FORMAT_LABELS, "N64 format and size, e.g. RGBA16, CI8, IA8, I4")}
EMULATOR = Emulator(ID, FAMILY, "Rice (png_all/, ci_by_png/, …)", root_at, list_files, parse, half_of=half_of, partner_name=partner_name,
                    match_keys=MATCH_KEYS)
