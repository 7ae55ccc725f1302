"""Rice Video (mupen64plus-video-rice): ``TextureFilters.cpp`` (docs/formats/n64.md "Rice load side").

Rules it adds to the N64 ones, each from Rice's own code:
- the scale must be a power of two on both axes (``FindScaleFactor``), else Rice crops;
- CI-like textures are replaced only from ``_ciByRGBA``/``_allciByRGBA``/``_ci.bmp``;
- ``_ciByRGBA`` names are read with ``sscanf("%8c#%d#%d#%8c")``: without a palette field
  the palette text of the previous file stays, so such a file never loads for its own
  palettes. ``_allciByRGBA`` names get palette ``FFFFFFFF``, which matches any palette:
  a CI-like texture without a palette CRC is written that way;
- ``LoadHiResCRCOnly`` (default on) ignores format and size digits; CRC 0 is an ordinary
  CRC to Rice; ``$`` wildcards mean nothing to it;
- an ``_a.png`` is only read beside its ``_rgb.png``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from texpack.emulators.n64names import N64Name
from texpack.targets.base import CheckResult
from texpack.targets.n64 import N64Target

if TYPE_CHECKING:
    from texpack.emulators import TextureName
    from texpack.profile import Profile


def _pow2(v: int) -> bool:
    return v >= 1 and v & (v - 1) == 0


class Rice(N64Target):
    id = "rice"
    title = "Rice Video"
    reload_help = "Rice reads the pack at ROM start (LoadHiResTextures=True): restart the game."

    def output_key(self, key: N64Name) -> N64Name:
        if key.suffix in ("rgb", "all", "ci", "ciByRGBA"):
            if key.ci_like or key.suffix in ("ci", "ciByRGBA"):
                return key.with_suffix("ciByRGBA" if key.pal is not None else "allciByRGBA")
            return key.with_suffix("all")
        return key

    def load_key(self, key: TextureName) -> tuple[Any, ...] | None:
        """Rice keeps one file per (CRC, palette CRC, type) whatever the format and size
        (``FindAllTexturesFromFolder`` with ``LoadHiResCRCOnly``, the default)."""
        if not isinstance(key, N64Name):
            return None
        out = self.output_key(key)
        return (out.crc.upper(), (out.pal or "").upper(), out.suffix)

    def scale_problem(self, scale: int) -> str | None:
        if not _pow2(scale):
            return f"Rice needs a power-of-two scale on both axes, not {scale}"
        return None

    def profile_problems(self, profile: Profile) -> list[str]:
        return [f"{p}: must be a power of two for rice (line {ln})" for p, ln, v in profile.scales() if not _pow2(v)]

    # -- check ------------------------------------------------------------------------
    def name_rules(self, res: CheckResult, rel: str, name: str, key: N64Name) -> None:
        if key.crc == "$" or key.pal == "$":
            res.add("error", rel, "Rice does not understand '$' wildcards")
        if key.ci_like and key.suffix in ("all", "rgb"):
            res.add("warning", rel, "Rice only replaces CI-like textures from _ciByRGBA/_allciByRGBA/_ci.bmp files")
        if key.suffix == "ciByRGBA" and key.pal is None:
            res.add("error", rel, "_ciByRGBA without a palette CRC: Rice keeps the previous file's palette text, so it never loads for its own; name it _allciByRGBA")

    def pack_rules(self, res: CheckResult, keys: list[tuple[str, N64Name]]) -> None:
        first: dict[tuple[Any, ...], tuple[str, N64Name]] = {}
        for rel, k in sorted(keys):
            if k.suffix in ("a",) or k.crc == "$":
                continue
            seen = first.setdefault(self.load_key(k) or (), (rel, k))
            if seen[0] != rel and (seen[1].fmt, seen[1].siz) != (k.fmt, k.siz):
                res.add("warning", rel, f"same CRC, palette and type as {seen[0]} in another format/size: Rice keeps one file "
                                        "per CRC and palette, so it shows one of them for both")
        rgb = {(rel.rsplit("/", 1)[0] if "/" in rel else "", k.stem) for rel, k in keys if k.suffix == "rgb"}
        for rel, k in keys:
            if k.suffix == "a" and ((rel.rsplit("/", 1)[0] if "/" in rel else ""), k.stem) not in rgb:
                res.add("warning", rel, "an _a.png without its _rgb.png beside it: Rice never uses it")

    def scale_rule(self, res: CheckResult, rel: str, sx: Fraction, sy: Fraction, base: tuple[int, int]) -> None:
        if not (sx == sy and sx.denominator == 1 and _pow2(sx.numerator)):
            res.add("error", rel, f"scale {sx}x{sy} of the {base[0]}x{base[1]} dump; Rice needs one power of two on both axes and crops otherwise")


TARGET = Rice()
