"""DuckStation texture replacement names, also read by SwanStation (docs/formats/ps1.md "Names").

``texupload-``/``texpage-`` names carry the hashes and rectangle of a texture; ``vram-write-``
names carry the XXH3-128 of a background upload.

Parsing follows DuckStation's own ``TextureReplacementName::Parse`` and
``VRAMReplacementName::Parse`` (src/core/gpu_hw_texture_cache.cpp) field by field: each
field ends at the next ``-`` (or ``x``) found at least one character on; numbers are read
with ``std::from_chars``, which takes the leading digits and ignores what follows, and
refuses values that do not fit the field (u16 sizes and offsets, u8 palette bounds, u64
hashes). So DuckStation accepts ``064x64`` (leading zeros), ``...-P0-14 (1)`` (trailing
text after the last number) and P4 ranges above 15, and refuses sizes of 0 or above
65535; texpack accepts and refuses exactly the same names, and records in ``oddities``
what a name relies on, for ``texpack check``. The title as written is kept, so a pack
file gets the dump's name byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass

from texpack.alpha_modes import AlphaMode
from texpack.emulators.facts import NameFacts
from texpack.errors import DumpNameError

MODES = ("P4", "P8", "C16", "STP4", "STP8", "STC16")
TYPES = ("texupload", "texpage")
# Extensions the DuckStation loader takes (docs/formats/ps1.md "Discovery"); dumps are always .png.
LOAD_EXTENSIONS = ("png", "jpg", "webp")

@dataclass(frozen=True, slots=True)
class PsxTextureName:
    """A ``texupload-`` or ``texpage-`` name without its extension."""

    type: str
    mode: str
    src_hash: str  # the 16 characters as written
    pal_hash: str | None
    src_w: int
    src_h: int
    off_x: int
    off_y: int
    width: int
    height: int
    pal_min: int | None
    pal_max: int | None
    title: str = ""  # the file title as written
    oddities: tuple[str, ...] = ()  # what DuckStation reads differently from how it looks

    def format(self) -> str:
        """The title as written (names are copied byte for byte)."""
        return self.title or self.canonical()

    def canonical(self) -> str:
        """The name DuckStation itself would write for this key (``ToString``)."""
        src = f"{_hex_value(self.src_hash):016X}"
        pal = f"-{_hex_value(self.pal_hash):016X}" if self.pal_hash is not None else ""
        rng = f"-P{self.pal_min}-{self.pal_max}" if self.pal_min is not None else ""
        return (
            f"{self.type}-{self.mode}-{src}{pal}-{self.src_w}x{self.src_h}"
            f"-{self.off_x}-{self.off_y}-{self.width}x{self.height}{rng}"
        )

    @property
    def semi_transparent(self) -> bool:
        return self.mode.startswith("ST")

    @property
    def hashes(self) -> tuple[str, ...]:
        return (self.src_hash,) if self.pal_hash is None else (self.src_hash, self.pal_hash)

    def facts(self) -> NameFacts:
        fields = {"type": self.type, "mode": self.mode, "texture hash": self.src_hash, "palette hash": self.pal_hash or "-",
                  "source": f"{self.src_w}x{self.src_h}", "offset": f"{self.off_x},{self.off_y}", "size": f"{self.width}x{self.height}",
                  "palette range": f"P{self.pal_min}-{self.pal_max}" if self.pal_min is not None else "-"}
        if self.oddities:
            fields["DuckStation reads"] = "; ".join(self.oddities)
        return NameFacts(self.mode, self.type, self.hashes, {"mode": self.mode, "type": self.type}, fields)

    def alpha_mode(self) -> AlphaMode:
        # docs/formats/ps1.md "Dump side" and "Alpha in replacements": ST names read three levels, others one bit.
        return AlphaMode.TERNARY if self.semi_transparent else AlphaMode.BINARY_CLEAR


@dataclass(frozen=True, slots=True)
class VramWriteName:
    """A ``vram-write-`` name: 32 hex digits, high 64 bits first (docs/formats/ps1.md "Hashes")."""

    hash: str
    oddities: tuple[str, ...] = ()

    def format(self) -> str:
        return f"vram-write-{self.hash}"

    def canonical(self) -> str:
        return f"vram-write-{_hex_value(self.hash[:16]):016X}{_hex_value(self.hash[16:]):016X}"

    @property
    def mode(self) -> str:
        return "vram-write"

    @property
    def type(self) -> str:
        return "vram-write"

    @property
    def hashes(self) -> tuple[str, ...]:
        return (self.hash,)

    def facts(self) -> NameFacts:
        return NameFacts("vram-write", "vram-write", self.hashes, {"mode": self.mode, "type": self.type}, {"type": "vram-write", "hash": self.hash})

    def alpha_mode(self) -> AlphaMode:
        return AlphaMode.LEVELS  # alpha is the STP bit: keep the dump's levels (docs/formats/ps1.md "Alpha in replacements")


PsxName = PsxTextureName | VramWriteName


def legacy_vram_write_candidates(digits: str) -> tuple[str, ...]:
    """Current names for an old ``{:08X}{:08X}`` vram-write name (docs/formats/ps1.md "Names"; DuckStation 0.1-7058 to 0.1-9083).

    Each half was padded only to 8 digits, so a short name can split in several places;
    every split that gives two 8-to-16-digit halves is a candidate.
    """
    out = []
    n = len(digits)
    for hi in range(8, 17):
        lo = n - hi
        if 8 <= lo <= 16:
            out.append(f"vram-write-{digits[:hi].rjust(16, '0').upper()}{digits[hi:].rjust(16, '0').upper()}")
    return tuple(dict.fromkeys(out))


_DEC_DIGITS = frozenset("0123456789")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def _hex_value(text: str | None) -> int:
    return _prefix(text or "", 16)[0] or 0


def _prefix(token: str, base: int) -> tuple[int | None, str]:
    """``std::from_chars``: the value of the leading digits (None if there are none) and the rest."""
    digits = _DEC_DIGITS if base == 10 else _HEX_DIGITS
    i = 0
    while i < len(token) and token[i] in digits:
        i += 1
    return (int(token[:i], base) if i else None), token[i:]


class _Fields:
    """Walks a title the way DuckStation's parser does, collecting what looks odd."""

    def __init__(self, title: str) -> None:
        self.title, self.pos = title, 0
        self.odd: list[str] = []

    def token(self, delim: str, what: str) -> str:
        end = self.title.find(delim, self.pos + 1)
        if end < 0:
            raise DumpNameError(self.title, f"no {delim!r} after the {what}; expected " + _FORM)
        tok = self.title[self.pos : end]
        self.pos = end + 1
        return tok

    def rest(self) -> str:
        tok = self.title[self.pos :]
        self.pos = len(self.title)
        return tok

    def number(self, tok: str, bits: int, what: str, last: bool = False) -> int:
        value, tail = _prefix(tok, 10)
        if value is None:
            raise DumpNameError(self.title, f"{what} {tok!r} is not a number")
        if value >= 1 << bits:
            raise DumpNameError(self.title, f"{what} {value} is larger than {(1 << bits) - 1}, which DuckStation refuses")
        if tail and last:
            self.odd.append(f"trailing text {tail!r} after the last number is ignored: this is a second file for {{canonical}}")
        elif tail:
            raise DumpNameError(self.title, f"{what} {tok!r} is not a number")
        if len(tok) - len(tail) > 1 and tok[0] == "0":
            self.odd.append(f"{what} {tok[: len(tok) - len(tail)]!r} has leading zeros: DuckStation reads it as {value}")
        return value

    def hash(self, tok: str, what: str) -> str:
        if len(tok) != 16:
            raise DumpNameError(self.title, f"{what} {tok!r} is not 16 hex digits")
        value, tail = _prefix(tok, 16)
        if value is None:
            raise DumpNameError(self.title, f"{what} {tok!r} is not 16 hex digits")
        if tail:
            self.odd.append(f"{what} {tok!r} ends in non-hex text: DuckStation reads {value:X}, so it can never match a texture")
        return tok


_FORM = "{type}-{mode}-{hash}[-{palhash}]-{W}x{H}-{x}-{y}-{w}x{h}[-P{min}-{max}]"


def _parse_vram_write(title: str) -> VramWriteName:
    digits = title[len("vram-write-") :]
    if len(title) == 43:
        hi, tail_hi = _prefix(digits[:16], 16)
        lo, tail_lo = _prefix(digits[16:], 16)
        if hi is None or lo is None:
            raise DumpNameError(title, "vram-write hash has non-hex characters")
        odd: tuple[str, ...] = ()
        if tail_hi or tail_lo:
            odd = (f"hash ends in non-hex text: DuckStation reads {hi:016X}{lo:016X}, so it can never match a background",)
        return VramWriteName(digits, odd)
    if all(c in _HEX_DIGITS for c in digits) and 16 <= len(digits) < 32:
        raise DumpNameError(
            title,
            f"old DuckStation vram-write name ({len(digits)} hex digits); "
            "since 0.1-9083 each hash half must be zero-padded to 16 digits",
            legacy_vram_write_candidates(digits),
        )
    if not all(c in _HEX_DIGITS for c in digits):
        raise DumpNameError(title, "vram-write hash has non-hex characters")
    raise DumpNameError(title, f"vram-write hash has {len(digits)} hex digits, expected 32")


def parse_psx_title(title: str) -> PsxName:
    """Parse a file title (name without extension) as DuckStation does, or raise :class:`DumpNameError`."""
    if title.startswith("vram-write-"):
        return _parse_vram_write(title)
    if not title.startswith(tuple(t + "-" for t in TYPES)):
        raise DumpNameError(title, "does not start with texupload-, texpage- or vram-write-")
    f = _Fields(title)
    end = title.find("-")
    typ, f.pos = title[:end], end + 1
    mode = f.token("-", "mode")
    if mode not in MODES:
        raise DumpNameError(title, f"unknown mode {mode!r} (expected one of {', '.join(MODES)})")
    src = f.hash(f.token("-", "texture hash"), "texture hash")
    paletted = mode.endswith(("P4", "P8"))
    pal = f.hash(f.token("-", "palette hash"), "palette hash") if paletted else None
    sw = f.number(f.token("x", "source width"), 16, "source width")
    sh = f.number(f.token("-", "source height"), 16, "source height")
    ox = f.number(f.token("-", "x offset"), 16, "x offset")
    oy = f.number(f.token("-", "y offset"), 16, "y offset")
    w = f.number(f.token("x", "width"), 16, "width")
    pmin = pmax = None
    if paletted:
        h = f.number(f.token("-", "height"), 16, "height")
        if f.pos >= len(title) or title[f.pos] != "P":
            raise DumpNameError(title, f"{mode} names end in -P{{min}}-{{max}}, the palette range")
        rng = f.token("-", "palette range")
        pmin = f.number(rng[1:], 8, "palette minimum")
        pmax = f.number(f.rest(), 8, "palette maximum", last=True)
        if pmin > pmax:
            raise DumpNameError(title, f"palette range P{pmin}-{pmax} runs backwards")
        top = 15 if mode.endswith("P4") else 255
        if pmax > top:
            f.odd.append(f"palette range P{pmin}-{pmax} goes past the {top + 1} entries of a {mode} palette, so it never matches")
    else:
        h = f.number(f.rest(), 16, "height", last=True)
    for v, what in ((sw, "source width"), (sh, "source height"), (w, "width"), (h, "height")):
        if v == 0:
            raise DumpNameError(title, f"{what} is 0, which DuckStation refuses")
    key = PsxTextureName(typ, mode, src, pal, sw, sh, ox, oy, w, h, pmin, pmax, title)
    canonical = key.canonical()
    odd = tuple(o.replace("{canonical}", canonical) for o in f.odd)
    return PsxTextureName(typ, mode, src, pal, sw, sh, ox, oy, w, h, pmin, pmax, title, odd)


def parse_psx_name(name: str, *, extensions: tuple[str, ...] = ("png",)) -> PsxName:
    """Parse a file name with its extension (dumps: ``.png`` only)."""
    stem, dot, ext = name.rpartition(".")
    if not dot or ext.lower() not in extensions:
        raise DumpNameError(name, f"extension must be .{' or .'.join(extensions)}")
    return parse_psx_title(stem)
