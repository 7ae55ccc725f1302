"""Pack layouts: where each emulator's hi-res loader looks, and under which name.

GLideN64 and Rice: ``<out>/hires_texture/<IDENT>/<name>`` (n64 §2.1, §2.2, §4).
DuckStation: ``<out>/textures/<SERIAL>/replacements/<name>.png`` plus ``config.yaml`` (ps1 §3.1, §3.5).
"""

from __future__ import annotations

from collections.abc import Mapping
import re
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


def write_duckstation_config(out: Path, game: str, aliases: Mapping[str, str], managed: set[str] = frozenset()) -> Path:
    """Put the pack's aliases into ``textures/<SERIAL>/config.yaml`` (ps1 §3.5).

    The file may be DuckStation's own (written at the first dump, then edited by the user):
    everything in it but the ``Aliases:`` block is kept as it is, comments included, and
    aliases the user wrote for names this pack does not manage (``managed``) stay.
    """
    path = out / "textures" / game / "config.yaml"
    text = ""
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
            data = yaml.safe_load(text)
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
            reason = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise PackError(f"{path}: cannot update ({reason}); fix or remove it, then build again") from e
        old = data.get("Aliases") if isinstance(data, dict) else None
        kept = {str(k): str(v) for k, v in (old or {}).items() if str(k) not in managed and str(k) not in aliases}
    else:
        text = (
            "# DuckStation texture replacement settings for this pack (written by texpack).\n"
            "# Aliases map a dump name to a replacement file that has the same pixels.\n"
        )
        kept = {}
    merged = dict(sorted({**kept, **aliases}.items()))
    body = _without_block(text, "Aliases")
    if merged:
        if body and not body.endswith("\n"):
            body += "\n"
        body += yaml.safe_dump({"Aliases": merged}, sort_keys=False, width=4096, allow_unicode=True)
    write_atomic(path, body.encode())
    return path


def _without_block(text: str, key: str) -> str:
    """``text`` without the top-level ``key:`` entry and its indented lines."""
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        if skipping:
            if not line.strip() or line[0] in " \t":
                continue
            skipping = False
        if re.match(rf"{key}\s*:", line):
            skipping = True
            continue
        out.append(line)
    return "".join(out)


RELOAD_HELP = {
    "gliden64": "GLideN64 reads the pack at ROM start: restart the game, and delete a stale "
    "<IDENT>_HIRESTEXTURES.htc/.hts in the cache folder or GLideN64 keeps using it.",
    "rice": "Rice reads the pack at ROM start (LoadHiResTextures=True): restart the game.",
    "duckstation": "DuckStation: press the 'Reload Texture Replacements' hotkey (texture cache, "
    "texture replacement and a hardware renderer must be on).",
}
