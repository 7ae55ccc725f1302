"""GLideN64 dumps: ``texture_dump/<IDENT>/GLideNHQ[_strong_crc]/`` (docs/formats/n64.md "GLideN64 dumps")."""

from __future__ import annotations

from pathlib import Path

from texpack import fswalk
from texpack.emulators.base import Emulator
from texpack.emulators.facts import MatchKey
from texpack.emulators.n64names import FORMAT_LABELS, N64Name, parse_n64_name
from texpack.fswalk import Listing

ID = "gliden64"
FAMILY = "n64"
DUMP_FOLDERS = ("GLideNHQ", "GLideNHQ_strong_crc")
# TxFilter::dmptx writes only these; the loader takes more (docs/formats/n64.md).
DUMP_SUFFIXES: dict[str, tuple[str, ...]] = {"all": ("png",), "ciByRGBA": ("png",), "allciByRGBA": ("png",)}


def root_at(folder: Path) -> list[tuple[str, Path]]:
    if folder.name in DUMP_FOLDERS:
        return [(folder.parent.name, folder)]
    return [(folder.name, folder / d) for d in DUMP_FOLDERS if (folder / d).is_dir()]


def list_files(root: Path) -> Listing:
    return fswalk.list_files(root)


def parse(name: str, game: str) -> N64Name:
    return parse_n64_name(name, game, suffixes=DUMP_SUFFIXES)


MATCH_KEYS = {"format": MatchKey(FORMAT_LABELS, "N64 format and size, e.g. RGBA16, CI8, IA8, I4")}
EMULATOR = Emulator(ID, FAMILY, "GLideN64 (GLideNHQ/)", root_at, list_files, parse, match_keys=MATCH_KEYS)
