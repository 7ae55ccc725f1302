"""A distributable archive of one game's pack, laid out to unzip into the emulator's folder.

GLideN64/Rice: ``<IDENT>/…`` to unzip into ``hires_texture/``. DuckStation:
``<SERIAL>/replacements/…`` and ``<SERIAL>/config.yaml`` to unzip into ``textures/``
(docs/formats/ps1.md "Distribution"). Only texpack's own files go in (those the state
records, and the target's config), as regular files; entries are sorted and carry a
fixed timestamp, so the same pack gives the same bytes.
"""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

from texpack.atomic import atomic_output
from texpack.errors import PackError
from texpack.state import State
from texpack.targets import Target

FIXED_TIME = (2000, 1, 1, 0, 0, 0)


def pack_files(target: Target, out: Path, game: str, state: State) -> list[tuple[str, Path]]:
    """(archive name, file) of every file of the game's pack texpack made, sorted."""
    base = Path(out) / target.archive_base(game)
    game_rel = target.game_rel(game)
    files: dict[str, Path] = {}
    for row in state.outputs(game_rel + "/"):
        if row.alias_of is None:
            files[row.rel] = Path(out) / row.rel
    extra = Path(out) / target.archive_base(game) / game / "config.yaml"
    if target.aliases and extra.is_file():
        files[extra.relative_to(out).as_posix()] = extra
    out_files = []
    for rel, p in sorted(files.items()):
        try:
            st = os.lstat(p)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode) or "\\" in rel:
            continue
        out_files.append((p.relative_to(base).as_posix(), p))
    return out_files


def write_zip(target: Target, out: Path, game: str, dest: Path, state: State) -> Path:
    files = pack_files(target, out, game, state)
    if not files:
        raise PackError(dest.name, f"no pack for {game!r} in {str(out)!r} to archive")
    with atomic_output(dest) as f:
        with zipfile.ZipFile(f, "w") as zf:
            for name, p in files:
                info = zipfile.ZipInfo(name, FIXED_TIME)
                # PNGs are compressed already; deflating them again only costs time.
                info.compress_type = zipfile.ZIP_STORED if p.suffix == ".png" else zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, p.read_bytes())
    return dest
