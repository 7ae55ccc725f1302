"""Where the common front-ends load hi-res textures from: the folder holding ``hires_texture/``
(N64) or ``textures/`` (PS1), for ``watch`` and ``install``.

Each front-end's folders come from its own code and defaults:
- mupen64plus (standalone): the core's UserDataPath, ``$XDG_DATA_HOME/mupen64plus`` (else
  ``~/.local/share/mupen64plus``), ``%APPDATA%/Mupen64Plus``, ``~/Library/Application
  Support/Mupen64Plus``; GLideN64's ``txPath`` defaults to ``<UserDataPath>/hires_texture``
  and its dumps to ``<UserCachePath>/texture_dump`` (``Config.cpp``).
- RMG: ``$XDG_DATA_HOME/RMG`` (``~/.local/share/RMG``), ``%APPDATA%/RMG/Data``, or ``Data``
  beside a portable install (``CoreGetDefaultUserDataDirectory``); Flatpak under
  ``~/.var/app/com.github.Rosalie241.RMG/data/RMG``.
- RetroArch's Mupen64Plus-Next core: ``<system dir>/Mupen64plus`` for data and cache alike
  (``getRetroArchDir``); the system dir defaults to ``~/.config/retroarch/system``.
- Project64 with GLideN64: the plugin's own folder (``PluginAPI::GetUserDataPath`` on
  Windows), ``<Project64>/Plugin/GFX``.
- simple64 ships only the ParaLLEl-RDP video plugin, which loads no texture packs.
- DuckStation: its DataRoot (``textures/`` in it).

The folder a dump came from usually tells the front-end: GLideN64 dumps into
``<UserCachePath>/texture_dump``, so the load folder is that front-end's data folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from texpack import platform_dirs
from texpack.emulators import DumpRoot
from texpack.targets import Target
from texpack.targets.duckstation import duckstation_data_dir
from texpack.targets.n64 import mupen64plus_data_dir


@dataclass(frozen=True, slots=True)
class Frontend:
    id: str
    title: str
    family: str  # "n64" or "ps1"
    data: tuple[Path, ...]  # candidate folders that hold hires_texture/ or textures/
    cache: tuple[Path, ...] = ()  # where its GLideN64 writes texture_dump/ when apart from data
    note: str = ""  # why it cannot load packs, when it cannot


def frontends() -> list[Frontend]:
    """Every known front-end with its candidate folders on this platform, in preference order."""
    h = platform_dirs.home()
    win = platform_dirs.windows()
    appdata, local = platform_dirs.appdata(), platform_dirs.local_appdata()
    progs = [Path(os.environ[v]) for v in ("ProgramFiles(x86)", "ProgramFiles") if os.environ.get(v)]
    out = [
        Frontend("mupen64plus", "mupen64plus", "n64", (mupen64plus_data_dir(),),
                 (local / "Mupen64Plus",) if win else (platform_dirs.cache_home() / "mupen64plus",)),
        Frontend("rmg", "Rosalie's Mupen GUI (RMG)", "n64",
                 (appdata / "RMG" / "Data",) if win else (platform_dirs.data_home() / "RMG", h / ".var/app/com.github.Rosalie241.RMG/data/RMG"),
                 (appdata / "RMG" / "Cache",) if win else (platform_dirs.cache_home() / "RMG", h / ".var/app/com.github.Rosalie241.RMG/cache/RMG")),
        Frontend("retroarch", "RetroArch (Mupen64Plus-Next)", "n64",
                 tuple(p / "system" / "Mupen64plus" for p in ((Path("C:/RetroArch-Win64"), appdata / "RetroArch") if win else
                       (platform_dirs.config_home() / "retroarch", h / ".var/app/org.libretro.RetroArch/config/retroarch")))),
        Frontend("project64", "Project64 with GLideN64", "n64",
                 tuple(p / name / "Plugin" / "GFX" for p in progs for name in ("Project64 3.0", "Project64 4.0", "Project64"))),
        Frontend("simple64", "simple64", "n64", (), note="simple64 ships only the ParaLLEl-RDP video plugin, which loads no texture packs"),
        Frontend("duckstation", "DuckStation", "ps1", (duckstation_data_dir(), h / ".var/app/org.duckstation.DuckStation/config/duckstation")),
    ]
    if platform_dirs.macos():
        out[0] = Frontend("mupen64plus", "mupen64plus", "n64", (mupen64plus_data_dir(),), (h / "Library" / "Caches" / "Mupen64Plus",))
    return out


def _beside_dump(root: DumpRoot, target: Target) -> tuple[Path, str] | None:
    """The load folder that belongs with the folder the dump came from."""
    path = Path(root.path)
    if target.family == "ps1":
        if path.name == "dumps" and path.parent.parent.name == "textures":
            return path.parent.parent.parent, "beside the dump folder"
        return None
    base = next((p.parent for p in path.parents if p.name == "texture_dump"), None)
    if base is None:
        return None
    for fe in frontends():
        if fe.family == "n64" and fe.data and (base in fe.data or base in fe.cache):
            data = fe.data[fe.cache.index(base)] if base in fe.cache and fe.cache.index(base) < len(fe.data) else base
            return data, f"{fe.title}'s data folder, where its dumps come from"
    if (base / target.load_root).is_dir() or root.emulator == "rice":
        return base, "beside the texture_dump folder"  # Rice dumps into its data folder
    return None


def find_load_dir(root: DumpRoot, target: Target) -> tuple[Path, str]:
    """The folder holding ``target.load_root`` for this dump, and why it was chosen."""
    hit = _beside_dump(root, target)
    if hit is not None:
        return hit
    for fe in frontends():
        if fe.family != target.family or fe.note:
            continue
        for d in fe.data:
            if d.is_dir():
                return d, f"found {fe.title}'s data folder"
    return target.default_load_dir(root)


def output_root(root: DumpRoot, target: Target, into: Path | None) -> tuple[Path, str]:
    """The folder that holds the target's load folder, and why it was chosen.

    ``into`` may name that folder or the ``hires_texture``/``textures`` folder inside it.
    """
    if into is not None:
        into = Path(into)
        if into.name == target.load_root:
            return into.parent, f"--into {into}"
        return into, f"--into {into}"
    return find_load_dir(root, target)
