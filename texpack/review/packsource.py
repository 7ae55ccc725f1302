"""Which dump folder a pack was built from: its state records it with every file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from texpack.errors import UsageError
from texpack.state import STATE_DIR


def dump_of_pack(pack: Path, game: str | None = None) -> Path:
    """The dump folder recorded in ``pack``'s state (read-only, without taking its lock)."""
    db = Path(pack) / STATE_DIR / "state.sqlite"
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            rows = con.execute("SELECT DISTINCT root FROM outputs WHERE root != ''").fetchall()
        finally:
            con.close()
    except sqlite3.Error as e:
        raise UsageError(f"{db}: cannot read the build state ({e})") from e
    roots = sorted({Path(r[0]) for r in rows if Path(r[0]).is_dir()})
    if game:
        roots = [r for r in roots if game in r.parts]
    if len(roots) != 1:
        found = ", ".join(map(str, roots)) or "none that still exists"
        raise UsageError(f"{pack}: built from {found}; pass the dump folder and --out {pack} instead")
    return roots[0]
