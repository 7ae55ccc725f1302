"""DuckStation texture replacement names (specs/ps1-formats.md §1.3), also read by SwanStation.

``texupload-``/``texpage-`` names carry the hashes and rectangle of a texture; ``vram-write-``
names carry the XXH3-128 of a background upload. Hex fields keep their exact text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from texpack.alpha_modes import AlphaMode
from texpack.errors import DumpNameError

MODES = ("P4", "P8", "C16", "STP4", "STP8", "STC16")
TYPES = ("texupload", "texpage")
# Extensions the DuckStation loader takes (§3.1); dumps are always .png.
LOAD_EXTENSIONS = ("png", "jpg", "webp")

_DEC = r"(0|[1-9][0-9]{0,5})"
_TEX = re.compile(
    rf"(?P<type>texupload|texpage)-(?P<mode>[A-Z0-9]+)-(?P<src>[0-9A-Fa-f]+)(?:-(?P<pal>[0-9A-Fa-f]+))?"
    rf"-(?P<sw>{_DEC})x(?P<sh>{_DEC})-(?P<ox>{_DEC})-(?P<oy>{_DEC})-(?P<w>{_DEC})x(?P<h>{_DEC})"
    rf"(?:-P(?P<pmin>{_DEC})-(?P<pmax>{_DEC}))?"
)
_VRAM = re.compile(r"vram-write-(?P<hex>[0-9A-Fa-f]*)")


@dataclass(frozen=True, slots=True)
class PsxTextureName:
    """A ``texupload-`` or ``texpage-`` name without its extension."""

    type: str
    mode: str
    src_hash: str
    pal_hash: str | None
    src_w: int
    src_h: int
    off_x: int
    off_y: int
    width: int
    height: int
    pal_min: int | None
    pal_max: int | None

    def format(self) -> str:
        pal = f"-{self.pal_hash}" if self.pal_hash is not None else ""
        rng = f"-P{self.pal_min}-{self.pal_max}" if self.pal_min is not None else ""
        return (
            f"{self.type}-{self.mode}-{self.src_hash}{pal}-{self.src_w}x{self.src_h}"
            f"-{self.off_x}-{self.off_y}-{self.width}x{self.height}{rng}"
        )

    @property
    def semi_transparent(self) -> bool:
        return self.mode.startswith("ST")

    @property
    def hashes(self) -> tuple[str, ...]:
        return (self.src_hash,) if self.pal_hash is None else (self.src_hash, self.pal_hash)

    def alpha_mode(self) -> AlphaMode:
        # §1.4 dump alpha and §3.4 load rules: ST names read three levels, others one bit.
        return AlphaMode.TERNARY if self.semi_transparent else AlphaMode.BINARY_CLEAR


@dataclass(frozen=True, slots=True)
class VramWriteName:
    """A ``vram-write-`` name: 32 hex digits, high 64 bits first (§2)."""

    hash: str

    def format(self) -> str:
        return f"vram-write-{self.hash}"

    @property
    def mode(self) -> str:
        return "vram-write"

    @property
    def type(self) -> str:
        return "vram-write"

    @property
    def hashes(self) -> tuple[str, ...]:
        return (self.hash,)

    def alpha_mode(self) -> AlphaMode:
        return AlphaMode.LEVELS  # §3.4: the shader copies alpha as-is, so keep the dump's levels


PsxName = PsxTextureName | VramWriteName


def legacy_vram_write_candidates(digits: str) -> tuple[str, ...]:
    """Current names for an old ``{:08X}{:08X}`` vram-write name (§4, 0.1-7058 to 0.1-9083).

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


def parse_psx_title(title: str) -> PsxName:
    """Parse a file title (name without extension) or raise :class:`DumpNameError`."""
    if title.startswith("vram-write-"):
        m = _VRAM.fullmatch(title)
        if m is None:
            raise DumpNameError(title, "vram-write hash has non-hex characters")
        digits = m["hex"]
        if len(digits) == 32:
            return VramWriteName(digits)
        if 16 <= len(digits) < 32:
            raise DumpNameError(
                title,
                f"old DuckStation vram-write name ({len(digits)} hex digits); "
                "since 0.1-9083 each hash half must be zero-padded to 16 digits",
                legacy_vram_write_candidates(digits),
            )
        raise DumpNameError(title, f"vram-write hash has {len(digits)} hex digits, expected 32")
    if not title.startswith(TYPES):
        raise DumpNameError(title, "does not start with texupload-, texpage- or vram-write-")
    m = _TEX.fullmatch(title)
    if m is None:
        raise DumpNameError(
            title, "expected {type}-{mode}-{hash}[-{palhash}]-{W}x{H}-{x}-{y}-{w}x{h}[-P{min}-{max}]"
        )
    mode = m["mode"]
    if mode not in MODES:
        raise DumpNameError(title, f"unknown mode {mode!r} (expected one of {', '.join(MODES)})")
    src, pal = m["src"], m["pal"]
    if len(src) != 16:
        raise DumpNameError(title, f"texture hash {src!r} is not 16 hex digits")
    paletted = mode.endswith(("P4", "P8"))
    if paletted:
        if pal is None or m["pmin"] is None:
            raise DumpNameError(title, f"{mode} names need a palette hash and a P{{min}}-{{max}} range")
        if len(pal) != 16:
            raise DumpNameError(title, f"palette hash {pal!r} is not 16 hex digits")
        pmin, pmax = int(m["pmin"]), int(m["pmax"])
        top = 15 if mode.endswith("P4") else 255
        if pmin > pmax or pmax > top:
            raise DumpNameError(title, f"palette range P{pmin}-{pmax} is outside 0-{top}")
    else:
        if pal is not None or m["pmin"] is not None:
            raise DumpNameError(title, f"{mode} names have no palette hash or range")
        pmin = pmax = None
    w, h = int(m["w"]), int(m["h"])
    if w == 0 or h == 0:
        raise DumpNameError(title, f"texture size {w}x{h} is empty")
    return PsxTextureName(
        m["type"], mode, src, pal, int(m["sw"]), int(m["sh"]), int(m["ox"]), int(m["oy"]), w, h, pmin, pmax
    )


def parse_psx_name(name: str, *, extensions: tuple[str, ...] = ("png",)) -> PsxName:
    """Parse a file name with its extension (dumps: ``.png`` only)."""
    stem, dot, ext = name.rpartition(".")
    if not dot or ext.lower() not in extensions:
        raise DumpNameError(name, f"extension must be .{' or .'.join(extensions)}")
    return parse_psx_title(stem)
