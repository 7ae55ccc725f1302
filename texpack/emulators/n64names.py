"""The N64 hi-res texture name grammar shared by GLideN64 and Rice.

``IDENT#CRC#F#S[#PAL]_SUFFIX.ext`` (docs/formats/n64.md "Names"). Hex fields are kept as
the exact text of the name so that formatting a parsed name gives it back byte for byte;
the numeric values are derived from that text. Which names a loader actually uses (CRC
0, lower-case hex, wildcards) is the pack target's business (:mod:`texpack.targets`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from texpack.alpha_modes import AlphaMode
from texpack.emulators.facts import NameFacts
from texpack.errors import DumpNameError

# Suffix + extension pairs either loader knows (TxHiResLoader::checkFileName, Rice's FindAllTexturesFromFolder).
SUFFIXES: dict[str, tuple[str, ...]] = {
    "all": ("png",),
    "ciByRGBA": ("png",),
    "allciByRGBA": ("png",),
    "rgb": ("png", "bmp"),
    "a": ("png", "bmp"),
    "ci": ("bmp",),
}

# N64 codes (GBI.h): G_IM_FMT_* and G_IM_SIZ_*.
FMT_NAMES = {0: "RGBA", 1: "YUV", 2: "CI", 3: "IA", 4: "I"}
SIZ_BITS = {0: 4, 1: 8, 2: 16, 3: 32}
FORMAT_LABELS = tuple(f"{FMT_NAMES[f]}{SIZ_BITS[s]}" for f in FMT_NAMES for s in SIZ_BITS)

_HEX8 = re.compile(r"[0-9A-Fa-f]{8}")
_TAIL = re.compile(
    r"#(?P<crc>[^#_]*)#(?P<fmt>[^#_]*)#(?P<siz>[^#_]*)(?:#(?P<pal>[^#_]*))?_(?P<suffix>[A-Za-z]+)\.(?P<ext>[A-Za-z]+)"
)


def format_label(fmt: int, siz: int) -> str:
    """A modder's name for an N64 format/size pair, e.g. ``RGBA16``, ``CI8``, ``I4``."""
    return f"{FMT_NAMES.get(fmt, f'F{fmt}')}{SIZ_BITS.get(siz, siz)}"


@dataclass(frozen=True, slots=True)
class N64Name:
    """A parsed N64 hi-res texture name."""

    ident: str
    crc: str  # 8 hex digits as written, or "$" (wildcard, packs only)
    fmt: int
    siz: int
    pal: str | None  # 8 hex digits, "$", or None when the name has no palette field
    suffix: str
    ext: str

    def format(self) -> str:
        pal = f"#{self.pal}" if self.pal is not None else ""
        return f"{self.ident}#{self.crc}#{self.fmt:X}#{self.siz:X}{pal}_{self.suffix}.{self.ext}"

    @property
    def stem(self) -> str:
        """The name up to the suffix: what a ``_rgb`` and its ``_a`` share."""
        pal = f"#{self.pal}" if self.pal is not None else ""
        return f"{self.ident}#{self.crc}#{self.fmt:X}#{self.siz:X}{pal}"

    @property
    def crc_value(self) -> int | None:
        return None if self.crc == "$" else int(self.crc, 16)

    @property
    def pal_value(self) -> int | None:
        return None if self.pal in (None, "$") else int(self.pal, 16)

    def facts(self) -> NameFacts:
        hashes = tuple(h for h in (self.crc, self.pal) if h and h != "$")
        fields = {"IDENT": self.ident, "texture CRC": self.crc, "format": f"{self.fmt} ({self.label})", "size": self.siz,
                  "palette CRC": self.pal or "-", "suffix": self.suffix}
        return NameFacts(self.label, self.suffix, hashes, {"format": self.label}, fields)

    @property
    def label(self) -> str:
        return format_label(self.fmt, self.siz)

    @property
    def ci_like(self) -> bool:
        """Rice's test for textures it only replaces with CI-type files (docs/formats/n64.md "Rice dumps").

        The TLUT mode is not in the name, so only the format/size half of the test applies.
        """
        return self.fmt in (0, 2) and self.siz <= 1

    def alpha_mode(self) -> AlphaMode:
        """What the dump's alpha means for this format (docs/formats/n64.md "GLideN64 dumps")."""
        if self.fmt == 0 and self.siz == 2:
            return AlphaMode.BINARY  # RGBA5551
        if self.fmt == 3 and self.siz == 0:
            return AlphaMode.BINARY  # IA4 is 3+1 bit
        if self.fmt == 4:
            return AlphaMode.INTENSITY  # (I,I,I,I)
        if self.fmt == 2 or (self.fmt == 0 and self.siz <= 1):
            # CI: RGBA16 palette gives 1-bit alpha, IA16 palette graded; the pixels decide.
            return AlphaMode.AUTO
        return AlphaMode.GRADED  # RGBA32, IA8, IA16, YUV

    def with_suffix(self, suffix: str, ext: str = "png") -> N64Name:
        return N64Name(self.ident, self.crc, self.fmt, self.siz, self.pal, suffix, ext)

    def upper_hex(self) -> N64Name:
        """The same key with upper-case hex, which every loader reads (GLideN64 outside
        Windows reads nothing else: it rebuilds names with ``%08X`` and compares)."""
        pal = self.pal.upper() if self.pal is not None else None
        return N64Name(self.ident, self.crc.upper(), self.fmt, self.siz, pal, self.suffix, self.ext)

    @property
    def gliden64_key(self) -> int:
        """GLideN64's 64-bit cache key: palette CRC high, texture CRC low; with a '$' or zero
        texture CRC, the palette CRC alone (``TxHiResCache::_loadHiResTextures``)."""
        tex = self.crc_value or 0
        pal = self.pal_value or 0
        return pal if tex == 0 else (pal << 32) | tex


def _fail(name: str, reason: str) -> DumpNameError:
    return DumpNameError(name, reason)


def parse_n64_name(
    name: str,
    ident: str | None = None,
    *,
    allow_wildcards: bool = False,
    suffixes: dict[str, tuple[str, ...]] = SUFFIXES,
) -> N64Name:
    """Parse ``name`` or raise :class:`DumpNameError` saying exactly what is wrong.

    ``ident``, when known (the game folder's name), must be the name's prefix; otherwise the
    IDENT is everything before the first ``#``.
    """
    if ident is not None:
        if not name.startswith(ident + "#"):
            raise _fail(name, f"does not begin with the game's IDENT {ident!r} followed by '#'")
        head, rest = ident, name[len(ident):]
    else:
        cut = name.find("#")
        if cut <= 0:
            raise _fail(name, "no IDENT#CRC#FMT#SIZ fields")
        head, rest = name[:cut], name[cut:]
    m = _TAIL.fullmatch(rest)
    if m is None:
        raise _fail(name, "expected IDENT#CRC#F#S[#PAL]_suffix.ext")
    crc, fmt_s, siz_s, pal = m["crc"], m["fmt"], m["siz"], m["pal"]
    suffix, ext = m["suffix"], m["ext"]
    if crc == "$":
        if not allow_wildcards:
            raise _fail(name, "'$' wildcard CRC is only valid in a pack, not in a dump")
        if pal is None or pal == "$":
            raise _fail(name, "a '$' texture CRC needs a palette CRC")
    elif not _HEX8.fullmatch(crc):
        raise _fail(name, f"texture CRC {crc!r} is not 8 hex digits")
    for label, value, top in (("format", fmt_s, 4), ("size", siz_s, 3)):
        if len(value) != 1 or value not in "0123456789ABCDEFabcdef":
            raise _fail(name, f"{label} field {value!r} is not one digit")
        if int(value, 16) > top:
            raise _fail(name, f"{label} code {value} is not an N64 texture {label} (0-{top})")
    if pal is not None and pal != "$" and not _HEX8.fullmatch(pal):
        raise _fail(name, f"palette CRC {pal!r} is not 8 hex digits")
    if pal == "$" and not allow_wildcards:
        raise _fail(name, "'$' wildcard palette is only valid in a pack, not in a dump")
    exts = suffixes.get(suffix)
    if exts is None:
        raise _fail(name, f"unknown suffix _{suffix} (expected one of {', '.join('_' + s for s in suffixes)})")
    if ext not in exts:
        raise _fail(name, f"_{suffix} must end in .{' or .'.join(exts)}, not .{ext}")
    return N64Name(head, crc, int(fmt_s, 16), int(siz_s, 16), pal, suffix, ext)
