"""Check an existing pack, texpack's or anyone's, against what the emulator's loader accepts.

Finding the packs in a folder is here; the rules themselves belong to each target
(:meth:`texpack.targets.base.Target.check`).
"""

from __future__ import annotations

from pathlib import Path

from texpack import fswalk
from texpack.errors import LayoutError, UsageError
from texpack.targets import CheckResult, get_target


def _has_n64_names(folder: Path) -> bool:
    """True when files under ``folder`` are named for a game whose IDENT is the folder's name."""
    prefix = folder.name + "#"
    return any(p.name.startswith(prefix) and p.suffix.lower() in (".png", ".bmp") for p in fswalk.list_files(folder).files)


def find_packs(path: Path) -> list[tuple[str, str, Path]]:
    """(family, game, folder) for every game pack at or under ``path``.

    Accepts a folder holding ``hires_texture/`` or ``textures/``, those folders themselves,
    one game's folder (``hires_texture/<IDENT>``, ``textures/<SERIAL>`` or its
    ``replacements``), or a game folder of a pack as distributed (IDENT-prefixed names in
    any sub-folders).
    """
    path = Path(path)
    if path.name == "replacements":
        return [("ps1", path.parent.name, path)]
    if (path / "replacements").is_dir():
        return [("ps1", path.name, path / "replacements")]
    if path.name == "hires_texture":
        return [("n64", d.name, d) for d in sorted(path.iterdir()) if d.is_dir() and not d.name.startswith(".")]
    if path.name == "textures":
        return [("ps1", d.name, d / "replacements") for d in sorted(path.iterdir()) if (d / "replacements").is_dir()]
    found = []
    for sub in ("hires_texture", "textures"):
        if (path / sub).is_dir():
            found += find_packs(path / sub)
    if found:
        return found
    if path.is_dir() and _has_n64_names(path):
        return [("n64", path.name, path)]
    raise LayoutError(f"{str(path)!r}: no hires_texture/<IDENT>/ or textures/<SERIAL>/replacements/ pack found")


def check(path: Path, target: str | None = None, dump: Path | None = None) -> list[CheckResult]:
    """Check every pack under ``path``; N64 packs by ``target``'s rules (GLideN64 by default)."""
    out = []
    for family, game, folder in find_packs(path):
        t = get_target("duckstation" if family == "ps1" else (target or "gliden64"))
        if t.family != family:
            raise UsageError(f"{folder} is a {family.upper()} pack; --target {t.id} does not apply to it")
        out.append(t.check(game, folder, dump))
    return out
