"""Check an existing pack, texpack's or anyone's, against what the emulator's loader accepts.

Finding the packs in a folder is here; the rules themselves belong to each target
(:meth:`texpack.targets.base.Target.check`).
"""

from __future__ import annotations

from pathlib import Path

from texpack.errors import LayoutError
from texpack.targets import CheckResult, family_defaults, get_target


def find_packs(path: Path) -> list[tuple[str, str, Path]]:
    """(family, game, folder) for every game pack at or under ``path``, in the layout of each
    family's default target (:meth:`texpack.targets.base.Target.find_packs`): a folder holding
    ``hires_texture/`` or ``textures/``, those folders themselves, one game's folder, or a game
    folder of an N64 pack as distributed (IDENT-prefixed names in any sub-folders)."""
    path = Path(path)
    defaults = family_defaults()
    found = [(t.family, game, folder) for t in defaults for game, folder in t.find_packs(path)]
    if not found:
        raise LayoutError(f"{str(path)!r}: no {' or '.join(t.pack_hint for t in defaults)} pack found")
    return found


def check(path: Path, target: str | None = None, dump: Path | None = None) -> list[CheckResult]:
    """Check every pack under ``path``: packs of ``target``'s family by its rules, others by
    their family's default target's (GLideN64 for N64, DuckStation for PS1)."""
    chosen = get_target(target) if target else None
    out = []
    for family, game, folder in find_packs(path):
        t = chosen if chosen is not None and chosen.family == family else next(d for d in family_defaults() if d.family == family)
        out.append(t.check(game, folder, dump))
    return out
