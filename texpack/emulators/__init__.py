"""Emulator adapters: dump-folder layouts and file-name grammars, in an explicit registry."""

from __future__ import annotations

from pathlib import Path

from texpack.emulators import duckstation, gliden64, rice
from texpack.emulators.base import DumpRoot, Emulator, TextureName
from texpack.errors import LayoutError
from texpack.registry import Registry

EMULATORS: Registry[Emulator] = Registry("emulator")
for _mod in (gliden64, rice, duckstation):
    EMULATORS.add(_mod.EMULATOR)


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
        raise LayoutError(f"{str(path)!r}: no {', '.join(e.layout for e in emus)} folder found; point at a game's dump folder or pass --emulator")
    # One folder can match two layouts (a Rice game folder that also holds GLideNHQ/): keep both.
    return sorted(set(roots), key=lambda r: (r.emulator, r.game, str(r.path)))


__all__ = ["EMULATORS", "DumpRoot", "Emulator", "TextureName", "find_dump_roots", "get_emulator"]
