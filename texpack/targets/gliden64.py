"""GLideN64 (mupen64plus, Project64, RetroArch's Mupen64Plus-Next): the texture loader of
``GLideNHQ`` (docs/formats/n64.md "GLideN64 load side").

Rules it adds to the N64 ones, each from GLideN64's own code:
- names are rebuilt with ``%08X`` and compared, so hex must be upper case outside Windows
  (``TxHiResLoader::checkFileName``); texpack writes upper case;
- texture CRC 0 is skipped by ``checkFileName`` unless the name uses a wildcard; the two
  wildcard forms with a zero CRC (``#00000000#F#S#$``, ``#$#F#S#00000000``) have key 0,
  whose failed ``add`` abandons the whole pack ("Texture pack load failed");
- images of fewer than 4 texels are dropped (``loadFileInfoTex``: ``width * height < 4``)
  and images over 4096 px are shrunk with a Kaiser-windowed sinc (``TxReSample::minify``):
  texpack caps such a texture's scale instead;
- since 2022 the format/size digits must match the dump's (lookup compares them);
- ``_ci.bmp`` is not loaded, and ``_rgb``/``_a`` pairs are broken since 2023.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from texpack.emulators.n64names import N64Name
from texpack.targets.base import CheckResult, SizeDecision
from texpack.targets.n64 import N64Target

if TYPE_CHECKING:
    from texpack.emulators import TextureName
    from texpack.targets.base import PlanContext

MAX_SIDE = 4096
MIN_TEXELS = 4
_HEX_LOWER = re.compile(r"#[0-9A-F]*[a-f][0-9A-Fa-f]*")


class GLideN64(N64Target):
    id = "gliden64"
    title = "GLideN64"
    reload_help = (
        "GLideN64 reads the pack at ROM start: restart the game, and delete a stale "
        "<IDENT>_HIRESTEXTURES.htc/.hts in the cache folder or GLideN64 keeps using it."
    )

    def output_key(self, key: N64Name) -> N64Name:
        if key.suffix in ("rgb", "all"):
            return key.with_suffix("all")
        if key.suffix == "ci":
            return key.with_suffix("ciByRGBA")  # GLideN64 rejects _ci.bmp
        return key

    def write_caches(self, game_dir: Path, game: str, cache_dir: Path, settings: object) -> tuple[list[Path], list[str]]:
        from texpack.targets.gliden64_cache import GLideN64Settings, write_htc, write_hts

        s = settings if isinstance(settings, GLideN64Settings) else GLideN64Settings()
        files, notes = [], []
        for writer, ext in ((write_hts, "hts"), (write_htc, "htc")):
            dest = cache_dir / f"{game}_HIRESTEXTURES.{ext}"
            _, skipped = writer(game_dir, game, dest, s)
            files.append(dest)
            notes += [f"{dest.name}: {why}" for why in skipped]
        notes += [f"GLideN64 settings for these caches: {line}" for line in s.instructions()]
        return files, notes

    def skip_reason(self, key: TextureName, context: PlanContext = frozenset()) -> str | None:
        if isinstance(key, N64Name) and key.crc_value == 0:
            return "texture CRC 00000000: GLideN64 never loads such a name (the texture could not be checksummed when dumped)"
        return super().skip_reason(key, context)

    def size_rule(self, width: int, height: int, scale: int) -> SizeDecision:
        side = max(width, height)
        s = scale
        note = ""
        if side * s > MAX_SIDE:
            s = max(1, MAX_SIDE // side)
            note = f"scale {scale} would make it {width * scale}x{height * scale}; capped at {s} to stay within GLideN64's {MAX_SIDE} px"
        if width * s * height * s < MIN_TEXELS:
            return SizeDecision(s, skip=f"{width * s}x{height * s} is under {MIN_TEXELS} texels, which GLideN64 drops on load")
        general = super().size_rule(width, height, s)
        if general.skip or general.scale != s:
            return SizeDecision(general.scale, general.skip, general.note)
        return SizeDecision(s, note=note)

    # -- check ------------------------------------------------------------------------
    def name_rules(self, res: CheckResult, rel: str, name: str, key: N64Name) -> None:
        if key.suffix == "ci":
            res.add("error", rel, "GLideN64 does not load _ci.bmp (Rice only); write it as _ciByRGBA.png")
        elif key.suffix in ("rgb", "a"):
            res.add("warning", rel, "GLideN64 has not loaded _rgb/_a pairs since 2023; merge them into _all.png")
        if _HEX_LOWER.search(name):
            res.add("error", rel, "lower-case hex: GLideN64 on Linux and macOS compares names case-sensitively and skips it")
        if not name.endswith((".png", ".bmp")):
            res.add("error", rel, "extension must be lower-case .png or .bmp outside Windows")
        # TxHiResLoader::checkFileName skips a texture CRC of 0 unless a wildcard is used; only
        # the two wildcard forms reach the cache with key 0, whose failed add abandons the pack.
        if (key.crc_value == 0 and key.pal == "$") or (key.crc == "$" and key.pal_value == 0):
            res.add("error", rel, "a wildcard name whose key is 0: GLideN64 fails to add it and abandons the whole pack ('Texture pack load failed')")
        elif key.crc_value == 0:
            res.add("warning", rel, "texture CRC 00000000 without a wildcard: GLideN64 skips this file (the rest of the pack loads)")

    def file_rules(self, res: CheckResult, rel: str, key: N64Name, size: tuple[int, int]) -> None:
        if size[0] * size[1] < MIN_TEXELS:
            res.add("error", rel, f"{size[0]}x{size[1]} is under {MIN_TEXELS} texels; GLideN64 drops it")
        if max(size) > MAX_SIDE:
            res.add("warning", rel, f"{size[0]}x{size[1]} is over {MAX_SIDE} px; GLideN64 shrinks it on load with a Kaiser-windowed sinc")

    def dump_rules(self, res: CheckResult, rel: str, key: N64Name, dumped_as: set[tuple[int, int]]) -> None:
        if dumped_as and (key.fmt, key.siz) not in dumped_as:
            want = ", ".join(f"#{f:X}#{z:X}" for f, z in sorted(dumped_as))
            res.add("error", rel, f"format/size #{key.fmt:X}#{key.siz:X} differs from the dump's {want}; GLideN64 matches them since 2022")

    def pack_rules(self, res: CheckResult, keys: list[tuple[str, N64Name]]) -> None:
        seen: dict[tuple[int, int, int], str] = {}
        for rel, key in keys:
            if key.suffix not in ("all", "ciByRGBA", "allciByRGBA", "rgb"):
                continue
            k = (key.gliden64_key, key.fmt, key.siz)
            if k in seen:
                res.add("warning", rel, f"same key as {seen[k]}; only the first one found loads")
            seen.setdefault(k, rel)


TARGET = GLideN64()
