"""DuckStation (and SwanStation for ``vram-write``): ``textures/<SERIAL>/replacements/`` plus
``config.yaml`` (docs/formats/ps1.md "Load side"; ``GPUTextureCache`` in DuckStation's
src/core/gpu_hw_texture_cache.cpp).

- Names are copied byte for byte; DuckStation reads them with its own parser, which
  :mod:`texpack.emulators.psxnames` follows exactly.
- Identical textures share one file through ``Aliases:`` in config.yaml.
- A texture page is redrawn at the largest scale among its replacements, so a game gets
  one scale.
- Semi-transparent (``ST``) names: the merge shader (``GenerateReplacementMergeFragmentShader``)
  turns alpha above 0.95 into "opaque" and leaves RGB as it is, so an opaque texel of
  exact black becomes (0,0,0,0) in the replacement page, the PS1's transparent texel. A
  dump never holds one (a visible black ST texel carries the STP bit and dumps as alpha
  0x8F), but a network rounds near-black to 0: such texels are lifted to (1,1,1), the
  darkest neutral grey, which the RGBA8 page keeps apart from (0,0,0,0).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from texpack import platform_dirs
from texpack.emulators.psxnames import LOAD_EXTENSIONS, PsxTextureName, VramWriteName, parse_psx_title
from texpack.errors import DumpNameError, PackError, rename_hint
from texpack.targets.base import CheckResult, PackContext, Target
from texpack.targets.checkutil import image_size, scale_of
from texpack.targets.duckstation_config import read_aliases, update_config

if TYPE_CHECKING:
    import numpy as np

    from texpack.emulators import DumpRoot, TextureName
    from texpack.profile import Profile

ST_LIFT = 1  # opaque exact black in ST textures becomes (1, 1, 1)
ST_OPAQUE = 243  # alpha above 0.95 reads as opaque


def duckstation_data_dir() -> Path:
    """DuckStation's DataRoot."""
    if platform_dirs.windows():
        docs = platform_dirs.home() / "Documents" / "DuckStation"
        return docs if docs.is_dir() else platform_dirs.local_appdata() / "DuckStation"
    if platform_dirs.macos():
        return platform_dirs.mac_support() / "DuckStation"
    # DuckStation's own rule: $XDG_CONFIG_HOME/duckstation when that is set, else ~/.local/share/duckstation.
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return Path(xdg) / "duckstation" if xdg else platform_dirs.home() / ".local" / "share" / "duckstation"


def lift_st_black(rgba: np.ndarray) -> np.ndarray:
    black = (rgba[..., 3] >= ST_OPAQUE) & (rgba[..., :3].max(axis=-1) == 0)
    if not black.any():
        return rgba
    out = rgba.copy()
    out[black, :3] = ST_LIFT
    return out


class DuckStation(Target):
    id = "duckstation"
    title = "DuckStation"
    family = "ps1"
    aliases = True
    load_root = "textures"
    pack_hint = "textures/<SERIAL>/replacements/"
    reload_help = (
        "DuckStation: press the 'Reload Texture Replacements' hotkey (texture cache, "
        "texture replacement and a hardware renderer must be on)."
    )

    def game_rel(self, game: str) -> str:
        return f"textures/{game}/replacements"

    def archive_member(self, name: str) -> str | None:
        """``<SERIAL>/replacements/…`` and ``<SERIAL>/config.yaml``."""
        parts = name.split("/")
        if len(parts) >= 3 and parts[0] and parts[1] == "replacements" or len(parts) == 2 and parts[1] == "config.yaml":
            return f"{self.load_root}/{name}"
        return None

    def find_packs(self, path: Path) -> list[tuple[str, Path]]:
        """A game's pack is ``textures/<SERIAL>/replacements/``; its serial folder or the
        ``replacements`` folder itself name it too."""
        path = Path(path)
        if path.name == "replacements" and path.is_dir():
            return [(path.parent.name, path)]
        if (path / "replacements").is_dir():
            return [(path.name, path / "replacements")]
        if path.name == self.load_root and path.is_dir():
            return [(d.name, d / "replacements") for d in sorted(path.iterdir()) if (d / "replacements").is_dir()]
        if (path / self.load_root).is_dir():
            return self.find_packs(path / self.load_root)
        return []

    def output_name(self, key: TextureName, file_name: str) -> str:
        if not isinstance(key, (PsxTextureName, VramWriteName)):
            raise DumpNameError(file_name, "an N64 texture cannot go into a DuckStation pack")
        return key.format() + ".png"

    def profile_problems(self, profile: Profile) -> list[str]:
        scales = profile.scales()
        base = scales[0][2]
        return [
            f"{p}: must equal the pack scale {base} for duckstation, which uses one scale per game (line {ln})"
            for p, ln, v in scales[1:]
            if v != base
        ]

    def finish_tag(self, key: TextureName) -> str:
        return "st-black-lift" if isinstance(key, PsxTextureName) and key.semi_transparent else ""

    def finish_texture(self, rgba: np.ndarray, key: TextureName) -> np.ndarray:
        if isinstance(key, PsxTextureName) and key.semi_transparent:
            return lift_st_black(rgba)
        return rgba

    def finish_pack(self, ctx: PackContext) -> list[str]:
        carry = None
        if ctx.dump_root is not None and ctx.dump_root.name == "dumps":
            carry = ctx.dump_root.parent / "config.yaml"
        path = ctx.out / "textures" / ctx.game / "config.yaml"
        if not ctx.aliases and not path.is_file() and not (carry and carry.is_file()) and not ctx.managed:
            return []
        return update_config(path, ctx.aliases, ctx.managed, carry)

    def default_load_dir(self, root: DumpRoot) -> tuple[Path, str]:
        if root.path.name == "dumps" and root.path.parent.parent.name == "textures":
            return root.path.parent.parent.parent, "beside the dump folder"
        return duckstation_data_dir(), "DuckStation's data folder"

    # -- check ------------------------------------------------------------------------
    def check(self, game: str, folder: Path, dump: Path | None = None) -> CheckResult:
        res = CheckResult(self.id, game, folder)
        scales: Counter[Fraction] = Counter()
        seen: dict[str, str] = {}
        for p in sorted(folder.rglob("*")):
            if not p.is_file() or not p.name.startswith(("texupload-", "texpage-", "vram-write-")):
                continue  # not a replacement name: DuckStation skips it silently
            rel = p.relative_to(folder).as_posix()
            ext = p.suffix.lower().lstrip(".")
            if ext not in LOAD_EXTENSIONS:
                res.add("note", rel, f".{ext} is not loaded (png, jpg and webp are)")
                continue
            res.files += 1
            try:
                key = parse_psx_title(p.stem)
            except DumpNameError as e:
                res.add("error", rel, e.reason + rename_hint(e.suggestions))
                continue
            for odd in key.oddities:
                res.add("warning", rel, odd)
            canon = key.canonical()
            if canon in seen:
                res.add("warning", rel, f"same key as {seen[canon]}; only the first one found loads")
                continue
            seen[canon] = rel
            if isinstance(key, PsxTextureName):
                self._check_texture(res, rel, p, key, ext, scales)
        if len(scales) > 1:
            common = ", ".join(f"{s} ({n})" for s, n in scales.most_common())
            res.add("warning", ".", f"mixed scales {common}: DuckStation redraws each page at its largest, resampling the rest")
        cfg = folder.parent / "config.yaml"
        if cfg.is_file():
            _check_aliases(res, cfg, folder)
        return res

    def _check_texture(self, res: CheckResult, rel: str, p: Path, key: PsxTextureName, ext: str, scales: Counter[Fraction]) -> None:
        size = image_size(p)
        if size is None:
            res.add("error", rel, "cannot be read as an image")
            return
        sx, sy = scale_of(size, (key.width, key.height))
        if sx != sy or sx.denominator != 1:
            res.add("warning", rel, f"scale {sx}x{sy} of the named {key.width}x{key.height}; use one integer scale")
        scales[max(sx, sy)] += 1
        if key.semi_transparent and ext == "png":
            from texpack.imageio import load_rgba

            try:
                px = load_rgba(p)
            except Exception:  # noqa: BLE001 - unreadable pixels were reported by size already
                return
            stray = int(((px[..., 3] == 0) & (px[..., :3].max(axis=-1) > 0)).sum())
            if stray:
                res.add("error", rel, f"{stray} texels have alpha 0 but colour: an ST texture shows them semi-transparent; use (0,0,0,0)")
            black = int(((px[..., 3] >= ST_OPAQUE) & (px[..., :3].max(axis=-1) == 0)).sum())
            if black:
                res.add("error", rel, f"{black} opaque texels are exact black: in an ST texture DuckStation turns them transparent; lift them to (1,1,1)")


def _check_aliases(res: CheckResult, cfg: Path, folder: Path) -> None:
    try:
        aliases = read_aliases(cfg)
    except PackError as e:
        res.add("error", "config.yaml", e.reason)
        return
    for name, target in aliases.items():
        try:
            parse_psx_title(str(name))
        except DumpNameError as e:
            res.add("error", "config.yaml", f"alias {name!r}: {e.reason}")
        if not (folder / str(target)).is_file():
            res.add("error", "config.yaml", f"alias {name!r} points to {json.dumps(target)}, which is not in replacements/")


TARGET = DuckStation()
