"""Where each emulator loads hi-res textures from, to write live output straight into it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from texpack.emulators import DumpRoot


def mupen64plus_data_dir() -> Path:
    """mupen64plus' UserDataPath; GLideN64 and Rice load ``hires_texture/`` from it (n64 §2.1, §2.2)."""
    if os.name == "nt":
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "Mupen64Plus"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Mupen64Plus"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "mupen64plus"


def duckstation_data_dir() -> Path:
    """DuckStation's DataRoot (ps1 §1.2)."""
    if os.name == "nt":
        docs = Path.home() / "Documents" / "DuckStation"
        return docs if docs.is_dir() else Path(os.environ.get("LOCALAPPDATA", Path.home())) / "DuckStation"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "DuckStation"
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return Path(xdg) / "duckstation" if xdg else Path.home() / ".local" / "share" / "duckstation"


def output_root(root: DumpRoot, target: str, into: Path | None) -> tuple[Path, str]:
    """The folder that holds ``hires_texture/`` or ``textures/`` for the pack, and why it was chosen.

    ``into`` may name that folder or the ``hires_texture``/``textures`` folder inside it.
    Without it, a DuckStation dump writes beside itself (``textures/<SERIAL>/replacements``),
    and N64 dumps go to mupen64plus' data folder.
    """
    if into is not None:
        into = Path(into)
        if into.name in ("hires_texture", "textures"):
            return into.parent, f"--into {into}"
        return into, f"--into {into}"
    if target == "duckstation":
        if root.path.name == "dumps" and root.path.parent.parent.name == "textures":
            return root.path.parent.parent.parent, "beside the dump folder"
        return duckstation_data_dir(), "DuckStation's data folder"
    return mupen64plus_data_dir(), "mupen64plus' data folder"
