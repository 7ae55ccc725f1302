"""DuckStation dumps: ``textures/<SERIAL>/dumps/`` (docs/formats/ps1.md "Dump side")."""

from __future__ import annotations

from pathlib import Path

from texpack import fswalk
from texpack.emulators.base import Emulator
from texpack.emulators.facts import MatchKey
from texpack.emulators.psxnames import MODES, PsxName, parse_psx_name
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


def refine_suggestions(path: Path, suggestions: tuple[str, ...]) -> tuple[str, ...]:
    """An old vram-write name can split several ways; the pixels say which."""
    if len(suggestions) < 2:
        return suggestions
    from texpack.emulators.vramhash import verified_candidates  # reads pixels: only when needed

    return verified_candidates(path, suggestions)


MATCH_KEYS = {
    "mode": MatchKey((*MODES, "vram-write"), "PS1 mode: P4, P8, C16, STP4, STP8, STC16 or vram-write"),
    "type": MatchKey(("texupload", "texpage", "vram-write"), "DuckStation name type"),
}
EMULATOR = Emulator(ID, FAMILY, "DuckStation (dumps/)", root_at, list_files, parse, refine_suggestions=refine_suggestions, match_keys=MATCH_KEYS)
