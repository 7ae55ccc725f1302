"""DuckStation dumps: ``textures/<SERIAL>/dumps/`` (docs/formats/ps1.md "Dump side")."""

from __future__ import annotations

from pathlib import Path

from texpack import fswalk
from texpack.emulators.psxnames import PsxName, parse_psx_name
from texpack.fswalk import Listing

ID = "duckstation"
FAMILY = "ps1"


def root_at(folder: Path) -> list[tuple[str, Path]]:
    if folder.name == "dumps" and folder.is_dir():
        return [(folder.parent.name, folder)]
    if (folder / "dumps").is_dir():
        return [(folder.name, folder / "dumps")]
    return []


def list_files(root: Path) -> Listing:
    return fswalk.list_files(root)


def parse(name: str, game: str) -> PsxName:
    del game  # the serial is the folder name; names do not carry it
    return parse_psx_name(name)
