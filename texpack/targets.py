"""Pack layouts: where each emulator's hi-res loader looks, and under which name.

GLideN64 and Rice: ``<out>/hires_texture/<IDENT>/<name>`` (n64 §2.1, §2.2, §4).
DuckStation: ``<out>/textures/<SERIAL>/replacements/<name>.png`` plus ``config.yaml`` (ps1 §3.1, §3.5).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

from texpack.emulators.n64names import N64Name
from texpack.emulators.psxnames import PsxTextureName, VramWriteName
from texpack.errors import DumpNameError, PackError
from texpack.imageio import write_atomic

TARGETS = ("gliden64", "rice", "duckstation")
FAMILY = {"gliden64": "n64", "rice": "n64", "duckstation": "ps1"}
GLIDEN64_MAX_SIDE = 4096  # larger images are box-minified on load (n64 §2.1)


def check_scale(target: str, scale: int) -> str | None:
    """Why ``scale`` cannot be used for ``target``, or None."""
    if scale < 1:
        return "scale must be at least 1"
    if target == "rice" and scale & (scale - 1):
        return f"Rice needs a power-of-two scale on both axes (n64 §2.2), not {scale}"
    return None


def game_dir(target: str, out: Path, game: str) -> Path:
    if "/" in game or "\\" in game or game in ("", ".", ".."):
        raise PackError(f"game id {game!r} cannot be used as a folder name")
    if target in ("gliden64", "rice"):
        return out / "hires_texture" / game
    if target == "duckstation":
        return out / "textures" / game / "replacements"
    raise PackError(f"unknown target {target!r} (known: {', '.join(TARGETS)})")


def output_name(target: str, key: N64Name | PsxTextureName | VramWriteName, file_name: str) -> str:
    """The file name the target's loader looks for, derived from the dump's own name."""
    if FAMILY[target] == "n64":
        if not isinstance(key, N64Name):
            raise DumpNameError(file_name, f"a PS1 texture cannot go into a {target} pack")
        if key.suffix in ("rgb", "all"):
            # _rgb + _a pairs are merged; GLideN64's pair loading is broken since 2023 (n64 §2.1).
            out = key.with_suffix("all")
            if target == "rice" and key.ci_like:
                out = key.with_suffix("ciByRGBA")  # Rice ignores _all for CI-like textures (n64 §2.2)
            return out.format()
        if key.suffix == "ci":
            return key.with_suffix("ciByRGBA").format()  # GLideN64 rejects _ci.bmp (n64 §2.1)
        if key.suffix in ("ciByRGBA", "allciByRGBA"):
            return key.format()
        raise DumpNameError(file_name, f"_{key.suffix} files are merged into their _rgb texture, not packed alone")
    if not isinstance(key, (PsxTextureName, VramWriteName)):
        raise DumpNameError(file_name, "an N64 texture cannot go into a DuckStation pack")
    return key.format() + ".png"


def inside(root: Path, path: Path) -> Path:
    """``path`` if it lies inside ``root``; names and profiles can never write elsewhere."""
    r, p = root.resolve(), path.resolve()
    if p != r and r not in p.parents:
        raise PackError(f"{str(path)!r} would be written outside the pack folder {str(root)!r}")
    return path


def write_duckstation_config(out: Path, game: str, aliases: Mapping[str, str]) -> Path:
    """``textures/<SERIAL>/config.yaml`` with only what the pack needs: the aliases (ps1 §3.5)."""
    path = out / "textures" / game / "config.yaml"
    body = {"Aliases": dict(sorted(aliases.items()))} if aliases else {}
    text = (
        "# DuckStation texture replacement settings for this pack (written by texpack).\n"
        "# Aliases map a dump name to a replacement file that has the same pixels.\n"
    )
    if body:
        text += yaml.safe_dump(body, sort_keys=False, width=4096)
    write_atomic(path, text.encode())
    return path


RELOAD_HELP = {
    "gliden64": "GLideN64 reads the pack at ROM start: restart the game, and delete a stale "
    "<IDENT>_HIRESTEXTURES.htc/.hts in the cache folder or GLideN64 keeps using it.",
    "rice": "Rice reads the pack at ROM start (LoadHiResTextures=True): restart the game.",
    "duckstation": "DuckStation: press the 'Reload Texture Replacements' hotkey (texture cache, "
    "texture replacement and a hardware renderer must be on).",
}
