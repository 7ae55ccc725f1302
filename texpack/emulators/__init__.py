"""Emulator adapters: dump-folder layouts and file-name grammars, in an explicit registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from texpack.alpha_modes import AlphaMode
from texpack.emulators import duckstation, gliden64, rice
from texpack.emulators.facts import NameFacts
from texpack.errors import LayoutError
from texpack.fswalk import Listing


class TextureName(Protocol):
    """A parsed dump name, as generic code sees it (N64Name, PsxTextureName, VramWriteName
    and any name type an emulator module adds): its facts, alpha rule and file name."""

    def facts(self) -> NameFacts: ...

    def alpha_mode(self) -> AlphaMode: ...

    def format(self) -> str: ...


@dataclass(frozen=True, slots=True)
class DumpRoot:
    """One game's dump folder for one emulator."""

    emulator: str
    game: str
    path: Path


@dataclass(frozen=True, slots=True)
class Emulator:
    """A registry record: how to find, list and parse one emulator's dumps."""

    id: str
    family: str  # "n64" or "ps1"
    root_at: Callable[[Path], list[tuple[str, Path]]]  # (game, dump path) roots at this folder
    list_files: Callable[[Path], Listing]
    parse: Callable[[str, str], TextureName]  # (file name, game) -> name, or DumpNameError


EMULATORS: dict[str, Emulator] = {}


def _register(emu: Emulator) -> None:
    if emu.id in EMULATORS:
        raise ValueError(f"emulator {emu.id!r} registered twice")
    EMULATORS[emu.id] = emu


for _mod in (gliden64, rice, duckstation):
    _register(Emulator(_mod.ID, _mod.FAMILY, _mod.root_at, _mod.list_files, _mod.parse))


def get_emulator(emu_id: str) -> Emulator:
    try:
        return EMULATORS[emu_id]
    except KeyError:
        raise LayoutError(f"unknown emulator {emu_id!r} (known: {', '.join(EMULATORS)})") from None


def find_dump_roots(path: Path, emulator: str | None = None, game: str | None = None, max_depth: int = 4) -> list[DumpRoot]:
    """Every game dump folder at or below ``path``, told apart by folder layout.

    With ``emulator`` set, only that layout is looked for, and a folder that matches no
    layout is taken as that emulator's dump folder as it is.
    """
    path = Path(path)
    if not path.is_dir():
        raise LayoutError(f"{str(path)!r}: not a folder")
    emus = [get_emulator(emulator)] if emulator else list(EMULATORS.values())
    roots: list[DumpRoot] = []
    frontier = [(path, 0)]
    while frontier:
        folder, depth = frontier.pop(0)
        found = [DumpRoot(e.id, game or g, p) for e in emus for g, p in e.root_at(folder)]
        if found:
            roots.extend(found)
            continue
        if depth < max_depth:
            try:
                # Hidden folders are looked into too (a game IDENT may start with '.'); texpack's
                # own state folder never holds dumps.
                children = sorted(c for c in folder.iterdir() if c.is_dir() and c.name != ".texpack" and not c.is_symlink())
            except OSError:
                continue
            frontier.extend((c, depth + 1) for c in children)
    if not roots and emulator:
        roots.append(DumpRoot(emulator, game or path.name, path))
    if not roots:
        raise LayoutError(
            f"{str(path)!r}: no GLideN64 (GLideNHQ/), Rice (png_all/, ci_by_png/, …) or DuckStation "
            "(dumps/) folder found; point at a game's dump folder or pass --emulator"
        )
    # One folder can match two layouts (a Rice game folder that also holds GLideNHQ/): keep both.
    return sorted(set(roots), key=lambda r: (r.emulator, r.game, str(r.path)))
