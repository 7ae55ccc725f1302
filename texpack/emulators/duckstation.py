"""DuckStation dumps: ``textures/<SERIAL>/dumps/`` (specs/ps1-formats.md §1.2, §1.3)."""

from __future__ import annotations

from pathlib import Path

from texpack.emulators.psxnames import PsxName, parse_psx_name

ID = "duckstation"
TITLE = "DuckStation"
FAMILY = "ps1"


def root_at(folder: Path) -> list[tuple[str, Path]]:
    if folder.name == "dumps" and folder.is_dir():
        return [(folder.parent.name, folder)]
    if (folder / "dumps").is_dir():
        return [(folder.name, folder / "dumps")]
    return []


def list_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))


def parse(name: str, game: str) -> PsxName:
    del game  # the serial is the folder name; names do not carry it
    return parse_psx_name(name)
