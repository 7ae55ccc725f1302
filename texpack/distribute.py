"""A distributable archive of one game's pack, laid out to unzip into the emulator's folder.

GLideN64/Rice: ``<IDENT>/…`` to unzip into ``hires_texture/`` (n64 §4). DuckStation:
``<SERIAL>/replacements/…`` and ``<SERIAL>/config.yaml`` to unzip into ``textures/`` (ps1 §3.6).
Entries are sorted and carry a fixed timestamp, so the same pack gives the same bytes.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from texpack import targets
from texpack.errors import PackError
from texpack.imageio import TMP_PREFIX
from texpack.state import STATE_DIR

FIXED_TIME = (2000, 1, 1, 0, 0, 0)


def archive_root(target: str, out: Path, game: str) -> Path:
    """The folder whose contents go into the archive (``hires_texture`` or ``textures``)."""
    return targets.game_dir(target, out, game).parent if target != "duckstation" else out / "textures"


def write_zip(target: str, out: Path, game: str, dest: Path) -> Path:
    base = archive_root(target, out, game)
    game_root = base / game
    if not game_root.is_dir():
        raise PackError(f"no pack for {game!r} in {str(out)!r} to archive")
    files = sorted(
        p for p in game_root.rglob("*") if p.is_file() and not p.name.startswith(TMP_PREFIX) and STATE_DIR not in p.parts
    )
    tmp = dest.with_name(f"{TMP_PREFIX}{os.getpid()}-{dest.name}")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(tmp, "w") as zf:
            for p in files:
                info = zipfile.ZipInfo(p.relative_to(base).as_posix(), FIXED_TIME)
                # PNGs are compressed already; deflating them again only costs time.
                info.compress_type = zipfile.ZIP_STORED if p.suffix == ".png" else zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, p.read_bytes())
        os.replace(tmp, dest)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise PackError(f"{dest.name}: cannot write ({e.strerror or e})") from e
    return dest
