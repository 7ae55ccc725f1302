"""A free N64 test ROM, written from scratch: no Nintendo code, no SDK, no microcode.

It boots in mupen64plus with the HLE RSP plugin and, every frame, hands the video plugin a
display list that draws one textured rectangle per texture format texpack handles, plus two
rectangles larger than their textures (wrap and mirror), so the plugins dump those textures
and later draw a pack in their place. The facts behind every byte (header, boot code, task
fields, register values, the identification text the plugins parse, the one checksum word
Glide64mk2 looks up) are in ../shared/specs/n64-free-test-rom.md with the emulator functions
that check them.

Standard library only and deterministic: the same bytes on every run. Each texture also
carries the RGBA picture a loader should decode from it (`Texture.rgba`), which the tests
hold the dumps to.

    python -m tests.emulator.rom OUT.z64
"""

from __future__ import annotations

import math
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

NAME = "TEXPACKFREEROM"  # header name: the folder the plugins dump to and load from
SCREEN_W, SCREEN_H = 320, 240

# RDRAM layout (physical addresses); the payload is DMAed from ROM 0x1000 to PAYLOAD.
PAYLOAD = 0x400
UCODE = 0xC00  # 4 KiB, word 0 chosen for Glide64mk2 (see UCODE_WORD0), the rest zero
UCODE_DATA = 0x1C00  # 2 KiB holding the identification text
UCODE_BOOT = 0x2400
DRAM_STACK = 0x2480
YIELD = 0x2880
OUTPUT = 0x3480
DATA = 0x3580  # textures, palettes, display lists, the task template
FRAMEBUFFERS = (0x200000, 0x240000)
ZBUFFER = 0x280000
ROM_SIZE = 0x200000

# Glide64mk2 (rdp.cpp microcheck) sums the first 3072 ucode bytes as u32 words and looks the
# sum up in Glide64mk2.ini's [UCODE]; this word is a key there meaning F3DEX2.
UCODE_WORD0 = 0x03044B84
# Rice (RSP_Parser.cpp DLParser_IdentifyUcodeFromString) and GLideN64 (GBI.cpp
# GBIInfo::loadMicrocode, fixed offsets: "F3D" at 14, '2' at 31) read F3DEX2 from this text.
UCODE_TEXT = b"RSP Gfx ucode F3DEX       fifo 2.08  texpack free test ROM: no microcode here\0"

# RDP/GBI formats and sizes (the numbers in dump names: #F#S)
RGBA, YUV, CI, IA, INTENSITY = 0, 1, 2, 3, 4
B4, B8, B16, B32 = 0, 1, 2, 3
TT_NONE, TT_RGBA16, TT_IA16 = 0, 0x8000, 0xC000  # othermode-hi TLUT bits
WRAP, MIRROR, CLAMP = 0, 1, 2


# ---------------------------------------------------------------- MIPS (just what we use)

REG = {"zero": 0, "t0": 8, "t1": 9, "t2": 10, "t3": 11, "t4": 12, "t5": 13, "t6": 14,
       "s0": 16, "s1": 17, "s2": 18}


class Asm:
    """A tiny MIPS assembler with labels: enough for the boot code and the frame loop."""

    def __init__(self, base: int):
        self.base = base
        self.items: list = []
        self.labels: dict[str, int] = {}

    def label(self, name: str) -> None:
        self.labels[name] = self.base + 4 * len(self.items)

    def _i(self, op, rs, rt, imm):
        self.items.append((op << 26) | (REG[rs] << 21) | (REG[rt] << 16) | (imm & 0xFFFF))

    def lui(self, rt, imm): self._i(0x0F, "zero", rt, imm)
    def ori(self, rt, rs, imm): self._i(0x0D, rs, rt, imm)
    def andi(self, rt, rs, imm): self._i(0x0C, rs, rt, imm)
    def addiu(self, rt, rs, imm): self._i(0x09, rs, rt, imm)
    def lw(self, rt, off, base): self._i(0x23, base, rt, off)
    def sw(self, rt, off, base): self._i(0x2B, base, rt, off)
    def nop(self): self.items.append(0)
    def jr(self, rs): self.items.append((REG[rs] << 21) | 0x08)

    def li(self, rt, value):
        self.lui(rt, value >> 16)
        self.ori(rt, rt, value & 0xFFFF)

    def beq(self, rs, rt, target): self.items.append(("b", 0x04, rs, rt, target))
    def bne(self, rs, rt, target): self.items.append(("b", 0x05, rs, rt, target))
    def j(self, target): self.items.append(("j", target))

    def words(self) -> list[int]:
        out = []
        for k, item in enumerate(self.items):
            pc = self.base + 4 * k
            if isinstance(item, int):
                out.append(item)
            elif item[0] == "b":
                _, op, rs, rt, target = item
                off = (self.labels[target] - (pc + 4)) // 4
                out.append((op << 26) | (REG[rs] << 21) | (REG[rt] << 16) | (off & 0xFFFF))
            else:
                out.append((0x02 << 26) | ((self.labels[item[1]] >> 2) & 0x3FFFFFF))
        return out

    def bytes(self) -> bytes:
        return b"".join(struct.pack(">I", w) for w in self.words())


def ipl3(payload_len: int) -> bytes:
    """Boot code run from DMEM 0xA4000040: DMA the payload to RDRAM, jump to the entry point."""
    a = Asm(0xA4000040)
    a.lui("t0", 0xA460)  # PI registers
    a.label("wait1")
    a.lw("t1", 0x10, "t0")  # PI_STATUS
    a.andi("t1", "t1", 3)
    a.bne("t1", "zero", "wait1")
    a.nop()
    a.li("t1", PAYLOAD)
    a.sw("t1", 0x0, "t0")  # PI_DRAM_ADDR
    a.li("t1", 0x10001000)
    a.sw("t1", 0x4, "t0")  # PI_CART_ADDR
    a.li("t1", payload_len - 1)
    a.sw("t1", 0xC, "t0")  # PI_WR_LEN: cartridge -> RDRAM
    a.label("wait2")
    a.lw("t1", 0x10, "t0")
    a.andi("t1", "t1", 3)
    a.bne("t1", "zero", "wait2")
    a.nop()
    a.lui("t3", 0xB000)
    a.lw("t3", 8, "t3")  # the header's entry point
    a.nop()
    a.jr("t3")
    a.nop()
    return a.bytes()


# NTSC 320x240 16-bit, gamma off (GLideN64 emulates VI gamma; Rice does not).
VI_REGS = [(0x00, 0x3112), (0x08, SCREEN_W), (0x0C, 2), (0x14, 0x03E52239), (0x18, 0x20D),
           (0x1C, 0xC15), (0x20, 0x0C150C15), (0x24, 0x006C02EC), (0x28, 0x002501FF),
           (0x2C, 0x000E0204), (0x30, 0x200), (0x34, 0x400)]


def main_program(task: int, lists: tuple[int, int]) -> bytes:
    """Set up the VI, then per frame: start a gfx task on display list k&1, show the frame
    buffer it draws, wait for the vertical interrupt (polled: interrupts stay off)."""
    a = Asm(0x80000000 | PAYLOAD)
    a.lui("t0", 0xA440)  # VI registers
    for off, value in VI_REGS[:1]:
        a.li("t1", value)
        a.sw("t1", off, "t0")
    a.li("t1", FRAMEBUFFERS[1])
    a.sw("t1", 0x04, "t0")  # VI_ORIGIN
    for off, value in VI_REGS[1:]:  # V_INTR before V_SYNC: writing V_SYNC schedules the first VI
        a.li("t1", value)
        a.sw("t1", off, "t0")
    a.addiu("s0", "zero", 0)
    a.label("frame")
    a.andi("t2", "s0", 1)
    a.li("s1", lists[0])
    a.li("s2", FRAMEBUFFERS[0])
    a.beq("t2", "zero", "even")
    a.nop()
    a.li("s1", lists[1])
    a.li("s2", FRAMEBUFFERS[1])
    a.label("even")
    # the OSTask into DMEM 0xFC0, with CPU stores
    a.li("t3", 0xA0000000 | task)
    a.li("t4", 0xA4000FC0)
    a.addiu("t5", "zero", 16)
    a.label("copy")
    a.lw("t6", 0, "t3")
    a.sw("t6", 0, "t4")
    a.addiu("t3", "t3", 4)
    a.addiu("t4", "t4", 4)
    a.addiu("t5", "t5", -1)
    a.bne("t5", "zero", "copy")
    a.nop()
    a.lui("t4", 0xA400)
    a.sw("s1", 0x0FF0, "t4")  # data_ptr: this frame's display list
    a.lui("t1", 0xA408)
    a.sw("zero", 0, "t1")  # SP_PC = 0
    a.lui("t0", 0xA404)
    # what osSpTaskStart writes: clear halt/broke/sstep/intr/sig0-2, set intr-on-break.
    # rsp-hle runs the whole task inside this store (rsp_core.c update_sp_status).
    a.ori("t1", "zero", 0x2B2D)
    a.sw("t1", 0x10, "t0")
    a.lui("t0", 0xA440)
    a.sw("s2", 0x04, "t0")  # VI_ORIGIN: show what was just drawn
    a.lui("t0", 0xA430)
    a.label("vi")
    a.lw("t1", 0x08, "t0")  # MI_INTR
    a.andi("t1", "t1", 0x08)
    a.beq("t1", "zero", "vi")
    a.nop()
    a.lui("t0", 0xA440)
    a.sw("zero", 0x10, "t0")  # VI_CURRENT: clear the VI interrupt
    a.lui("t0", 0xA404)
    a.ori("t1", "zero", 0x8)
    a.sw("t1", 0x10, "t0")  # SP_STATUS: clear the SP interrupt
    a.addiu("s0", "s0", 1)
    a.j("frame")
    a.nop()
    return a.bytes()


# ---------------------------------------------------------------- pictures and formats

def _lcg(seed: int):
    state = seed & 0xFFFFFFFF
    while True:
        state = (1664525 * state + 1013904223) & 0xFFFFFFFF
        yield state >> 24


def picture(w: int, h: int, seed: int, alpha: str) -> list[tuple[int, int, int, int]]:
    """Detailed, high-frequency RGBA: rings, a diagonal weave and fine noise, with no alpha,
    a cut-out (holes of alpha 0) or graded alpha, different for every seed."""
    noise = _lcg(seed * 7919 + 17)
    cx, cy = w * (0.3 + 0.1 * (seed % 4)), h * (0.6 - 0.05 * (seed % 5))
    out = []
    for y in range(h):
        for x in range(w):
            r = math.hypot(x - cx, y - cy)
            ring = 0.5 + 0.5 * math.sin(r * (0.9 + 0.15 * seed))
            weave = ((x * (3 + seed % 3) + y * 5) // 4 + (x ^ y)) & 7
            n = next(noise)
            red = int(200 * ring + 6 * weave) & 0xFF
            green = int(40 + 25 * weave + n % 40) & 0xFF
            blue = int(255 * (1 - ring) * (0.4 + 0.6 * ((x // 4 + y // 4) & 1))) & 0xFF
            if alpha == "cutout":
                a = 0 if (r % 9 < 3 or (x // 8 + y // 8 + seed) % 5 == 0) else 255
            elif alpha == "graded":
                a = min(255, int(255 * x / max(1, w - 1) * (0.5 + 0.5 * ring)) + (n & 15))
            else:
                a = 255
            out.append((red, green, blue, a))
    return out


def _bits(value: int, bits: int) -> int:
    """An 8-bit value reduced to ``bits`` bits (round to nearest)."""
    top = (1 << bits) - 1
    return min(top, (value * top + 127) // 255)


def expand(value: int, bits: int) -> int:
    """How loaders widen ``bits`` bits to 8: bit replication (Rice's FiveToEight,
    ThreeToEight tables; 4 bits x17)."""
    if bits == 1:
        return 255 * value
    if bits == 3:
        return (value << 5) | (value << 2) | (value >> 1)
    out, have = 0, 0
    while have < 8:
        out = (out << bits) | value
        have += bits
    return out >> (have - 8)


def rgba16(p) -> tuple[int, tuple]:
    r, g, b, a = (_bits(p[0], 5), _bits(p[1], 5), _bits(p[2], 5), 1 if p[3] >= 128 else 0)
    return (r << 11) | (g << 6) | (b << 1) | a, (expand(r, 5), expand(g, 5), expand(b, 5), 255 * a)


def ia16(p) -> tuple[int, tuple]:
    i = (p[0] * 3 + p[1] * 5 + p[2] * 2) // 10
    return (i << 8) | p[3], (i, i, i, p[3])


def encode(fmt: int, size: int, pixels: list, palette_type: int = TT_RGBA16):
    """(texture bytes, palette bytes or b"", decoded RGBA list) for one N64 format."""
    if fmt == RGBA and size == B16:
        words = [rgba16(p) for p in pixels]
        return b"".join(struct.pack(">H", v) for v, _ in words), b"", [d for _, d in words]
    if fmt == RGBA and size == B32:
        return bytes(c for p in pixels for c in p), b"", list(pixels)
    if fmt == IA and size == B16:
        words = [ia16(p) for p in pixels]
        return b"".join(struct.pack(">H", v) for v, _ in words), b"", [d for _, d in words]
    if fmt in (IA, INTENSITY) and size in (B4, B8):
        nib = 4 if size == B4 else 8
        vals, dec = [], []
        for p in pixels:
            lum = (p[0] * 3 + p[1] * 5 + p[2] * 2) // 10
            if fmt == INTENSITY:
                v = _bits(lum, nib)
                vals.append(v)
                i = expand(v, nib)
                dec.append((i, i, i, i))  # an I texel is its own alpha
            elif nib == 4:  # IA4: 3-bit intensity, 1-bit alpha
                iv, av = _bits(lum, 3), 1 if p[3] >= 128 else 0
                vals.append((iv << 1) | av)
                i = expand(iv, 3)
                dec.append((i, i, i, 255 * av))
            else:  # IA8: 4-bit intensity, 4-bit alpha
                iv, av = _bits(lum, 4), _bits(p[3], 4)
                vals.append((iv << 4) | av)
                i = expand(iv, 4)
                dec.append((i, i, i, expand(av, 4)))
        return _pack(vals, nib), b"", dec
    if fmt == CI:
        colours = 16 if size == B4 else 256
        table = _palette(pixels, colours)
        entries = [rgba16(c) if palette_type == TT_RGBA16 else ia16(c) for c in table]
        index = {c: k for k, c in enumerate(table)}
        vals = [index[_nearest_key(p, table, index)] for p in pixels]
        pal = b"".join(struct.pack(">H", v) for v, _ in entries)
        return _pack(vals, 4 if size == B4 else 8), pal, [entries[v][1] for v in vals]
    raise ValueError(f"format {fmt}/{size} not made by this ROM")


def _pack(vals: list[int], nib: int) -> bytes:
    if nib == 8:
        return bytes(vals)
    return bytes((vals[k] << 4) | vals[k + 1] for k in range(0, len(vals), 2))


def _palette(pixels: list, colours: int) -> list:
    """A deterministic palette: the most frequent colours on a coarse grid."""
    counts: dict = {}
    for p in pixels:
        key = tuple((c >> 3) << 3 for c in p[:3]) + (255 if p[3] >= 128 else 0,)
        counts[key] = counts.get(key, 0) + 1
    ranked = sorted(counts, key=lambda k: (-counts[k], k))
    table = ranked[:colours]
    while len(table) < colours:
        table.append((0, 0, 0, 0))
    return table


def _nearest_key(p, table, index):
    key = tuple((c >> 3) << 3 for c in p[:3]) + (255 if p[3] >= 128 else 0,)
    if key in index:
        return key
    return min(table, key=lambda c: sum((c[i] - key[i]) ** 2 for i in range(4)))


# ---------------------------------------------------------------- textures and display lists

@dataclass
class Texture:
    label: str  # what the tests call it
    fmt: int
    size: int
    w: int
    h: int
    alpha: str = "none"
    palette_type: int = TT_NONE  # CI: TT_RGBA16 or TT_IA16
    load_tile: bool = False  # LOADTILE instead of LOADBLOCK (non-power-of-two widths)
    wrap: int = CLAMP  # render tile mode for both axes
    repeat: int = 1  # the rectangle is this many textures wide and high
    same_bytes_as: str = ""  # draw another texture's bytes in this format (one CRC, two formats)
    # filled by build_rom
    addr: int = 0
    pal_addr: int = 0
    rect: tuple[int, int, int, int] = (0, 0, 0, 0)  # x0, y0, x1, y1 on the 320x240 screen
    data: bytes = b""
    palette: bytes = b""
    rgba: list = field(default_factory=list)


def textures() -> list[Texture]:
    """One texture per format texpack handles, a LOADTILE one, and wrap and mirror cases."""
    return [
        Texture("rgba16", RGBA, B16, 64, 32, "cutout"),
        Texture("rgba32", RGBA, B32, 32, 32, "graded"),
        Texture("ci4", CI, B4, 64, 64, "cutout", TT_RGBA16),
        Texture("ci8-rgba16", CI, B8, 64, 32, "cutout", TT_RGBA16),
        Texture("ci8-ia16", CI, B8, 64, 32, "graded", TT_IA16),
        Texture("ia4", IA, B4, 64, 64, "cutout"),
        Texture("ia8", IA, B8, 64, 64, "graded"),
        Texture("ia16", IA, B16, 64, 32, "graded"),
        Texture("i4", INTENSITY, B4, 64, 64),
        Texture("i8", INTENSITY, B8, 64, 64),
        Texture("npot-loadtile", RGBA, B16, 48, 40, load_tile=True),
        Texture("wrap", RGBA, B16, 32, 32, wrap=WRAP, repeat=2),
        Texture("mirror", RGBA, B16, 32, 16, wrap=MIRROR, repeat=2),
        # ia8's bytes read as I8: one CRC and palette in two formats, which Rice keeps one
        # file for (TextureFilters.cpp FindAllTexturesFromFolder)
        Texture("i8-same-bytes", INTENSITY, B8, 64, 64, same_bytes_as="ia8"),
    ]


def _w(*words: int) -> bytes:
    return b"".join(struct.pack(">I", w & 0xFFFFFFFF) for w in words)


def _bytes_per_row(t: Texture) -> float:
    return t.w * (0.5, 1, 2, 4)[t.size]


def texture_commands(t: Texture) -> bytes:
    """gsDPLoadTextureBlock / gsDPLoadTextureTile written out, then TEXRECT."""
    out = b""
    hi = 0x000C00 | t.palette_type  # 1-cycle, point sampling, G_TC_FILT, TLUT mode
    out += _w(0xE7000000, 0)
    out += _w(0xEF000000 | hi, 0x00504A40)  # G_RM_XLU_SURF | G_RM_XLU_SURF2: blend by alpha
    if t.fmt == CI:
        colours = 16 if t.size == B4 else 256
        out += _w(0xFD100000, t.pal_addr)
        out += _w(0xE8000000, 0)
        out += _w(0xF5000100, 0x07000000)  # tile 7 at TMEM 256 (the upper half)
        out += _w(0xE6000000, 0)
        out += _w(0xF0000000, 0x07000000 | (((colours - 1) << 2) << 12))  # LOADTLUT
        out += _w(0xE7000000, 0)
    line = max(1, int(_bytes_per_row(t) * (0.5 if t.size == B32 else 1) + 7) // 8)
    render_tile = ((t.fmt << 21) | (t.size << 19) | (line << 9))
    if t.load_tile:
        out += _w(0xFD000000 | (t.fmt << 21) | (t.size << 19) | (t.w - 1), t.addr)
        out += _w(0xF5000000 | (t.fmt << 21) | (t.size << 19) | (line << 9), 0x07080200)
        out += _w(0xE6000000, 0)
        out += _w(0xF4000000, 0x07000000 | (((t.w - 1) << 2) << 12) | ((t.h - 1) << 2))
    else:
        load_size = B32 if t.size == B32 else B16
        if t.size == B4:
            lrs = ((t.w * t.h + 3) >> 2) - 1
        elif t.size == B8:
            lrs = ((t.w * t.h + 1) >> 1) - 1
        else:
            lrs = t.w * t.h - 1
        words_per_row = max(1, int(_bytes_per_row(t)) // 8)
        dxt = (2048 + words_per_row - 1) // words_per_row
        out += _w(0xFD000000 | (t.fmt << 21) | (load_size << 19), t.addr)
        out += _w(0xF5000000 | (t.fmt << 21) | (load_size << 19), 0x07080200)
        out += _w(0xE6000000, 0)
        out += _w(0xF3000000, 0x07000000 | (lrs << 12) | dxt)
    out += _w(0xE7000000, 0)
    mask_s = (t.w.bit_length() - 1) if t.wrap != CLAMP else 0
    mask_t = (t.h.bit_length() - 1) if t.wrap != CLAMP else 0
    cm = t.wrap
    out += _w(0xF5000000 | render_tile, (cm << 18) | (mask_t << 14) | (cm << 8) | (mask_s << 4))
    out += _w(0xF2000000, (((t.w - 1) << 2) << 12) | ((t.h - 1) << 2))
    x0, y0, x1, y1 = t.rect
    out += _w(0xE4000000 | ((x1 * 4) << 12) | (y1 * 4), ((x0 * 4) << 12) | (y0 * 4))
    out += _w(0xE1000000, 0)  # RDPHALF_1: s = t = 0
    out += _w(0xF1000000, 0x04000400)  # RDPHALF_2: dsdx = dtdy = 1.0
    return out


BACKGROUND = 0x294D  # RGBA16 fill colour (dark blue-grey)


def display_list(framebuffer: int, texs: list[Texture]) -> bytes:
    out = _w(0xE7000000, 0)
    out += _w(0xFF100000 | (SCREEN_W - 1), framebuffer)  # SETCIMG RGBA16 320 wide
    out += _w(0xFE000000, ZBUFFER)  # must differ from CIMG: Rice skips TEXRECT when CI == ZI
    out += _w(0xED000000, ((SCREEN_W * 4) << 12) | (SCREEN_H * 4))
    out += _w(0xEF300000, 0)  # FILL cycle
    out += _w(0xF7000000, (BACKGROUND << 16) | BACKGROUND)
    out += _w(0xF6000000 | (((SCREEN_W - 1) * 4) << 12) | ((SCREEN_H - 1) * 4), 0)
    out += _w(0xFCFFFFFF, 0xFFFCF279)  # G_CC_DECALRGBA in both cycles
    for t in texs:
        out += texture_commands(t)
    out += _w(0xE9000000, 0)  # fullsync
    out += _w(0xDF000000, 0)  # ENDDL (F3DEX2)
    return out


def _layout(texs: list[Texture], gap: int = 6) -> None:
    """Shelf-pack the rectangles on the screen, tallest first."""
    x, y, row = gap, gap, 0
    for t in sorted(texs, key=lambda t: -t.h * t.repeat):
        w, h = t.w * t.repeat, t.h * t.repeat
        if x + w + gap > SCREEN_W:
            x, y, row = gap, y + row + gap, 0
        t.rect = (x, y, x + w, y + h)
        x, row = x + w + gap, max(row, h)
    if y + row > SCREEN_H:
        raise ValueError("the test rectangles do not fit on the screen")


def _align(n: int, a: int = 16) -> int:
    return (n + a - 1) // a * a


def cic6102_crc(rom: bytes) -> tuple[int, int]:
    """The header checksums (CIC-6102 algorithm over ROM 0x1000-0x101000); only logged by
    emulators, written for completeness."""
    m = 0xFFFFFFFF
    t1 = t2 = t3 = t4 = t5 = t6 = 0xF8CA4DDC
    for (d,) in struct.iter_unpack(">I", rom[0x1000:0x101000]):
        if (t6 + d) & m < t6:
            t4 = (t4 + 1) & m
        t6 = (t6 + d) & m
        t3 ^= d
        s = d & 0x1F
        r = ((d << s) | (d >> (32 - s))) & m if s else d
        t5 = (t5 + r) & m
        t2 = t2 ^ r if t2 > d else t2 ^ t6 ^ d
        t1 = (t1 + (t5 ^ d)) & m
    return t6 ^ t4 ^ t3, t5 ^ t2 ^ t1


@dataclass
class Rom:
    data: bytes
    textures: list[Texture]


def build_rom() -> Rom:
    texs = textures()
    _layout(texs)
    by_label = {t.label: t for t in texs}
    for k, t in enumerate(texs):
        if t.same_bytes_as:
            t.data = by_label[t.same_bytes_as].data
            t.rgba = [(v, v, v, v) for v in t.data]  # I8: each byte is intensity and alpha
            continue
        pixels = picture(t.w, t.h, k + 1, t.alpha)
        t.data, t.palette, t.rgba = encode(t.fmt, t.size, pixels, t.palette_type or TT_RGBA16)
    addr = DATA
    blobs: list[tuple[int, bytes]] = []
    for t in texs:
        if t.same_bytes_as:
            t.addr = by_label[t.same_bytes_as].addr
            continue
        t.addr = addr
        blobs.append((addr, t.data))
        addr = _align(addr + len(t.data))
        if t.palette:
            t.pal_addr = addr
            blobs.append((addr, t.palette))
            addr = _align(addr + len(t.palette))
    lists = []
    for fb in FRAMEBUFFERS:
        dl = display_list(fb, texs)
        lists.append(addr)
        blobs.append((addr, dl))
        addr = _align(addr + len(dl))
    task = addr
    fields = [1, 0, UCODE_BOOT, 0x80, UCODE, 0x1000, UCODE_DATA, 0x800, DRAM_STACK, 0x400,
              OUTPUT, OUTPUT + 0x100, lists[0], len(display_list(0, texs)), YIELD, 0xC00]
    blobs.append((task, _w(*fields)))
    end = _align(task + 4 * len(fields))
    payload = bytearray(end - PAYLOAD)

    def put(at: int, blob: bytes) -> None:
        payload[at - PAYLOAD: at - PAYLOAD + len(blob)] = blob

    program = main_program(task, (lists[0], lists[1]))
    if PAYLOAD + len(program) > UCODE:
        raise ValueError("main program too long")
    put(PAYLOAD, program)
    put(UCODE, struct.pack(">I", UCODE_WORD0))
    put(UCODE_DATA + 0x10, UCODE_TEXT)
    for at, blob in blobs:
        put(at, blob)
    rom = bytearray(ROM_SIZE)
    rom[0x00:0x10] = struct.pack(">IIII", 0x80371240, 0x0000000F, 0x80000000 | PAYLOAD, 0x0000144C)
    rom[0x20:0x34] = NAME.encode().ljust(20, b" ")
    rom[0x3B] = ord("N")
    rom[0x3C:0x3E] = b"TX"  # not "ED", which would mean a homebrew save-type header
    rom[0x3E] = ord("E")  # USA: NTSC
    boot = ipl3(len(payload))
    rom[0x40:0x40 + len(boot)] = boot
    rom[0x1000:0x1000 + len(payload)] = payload
    crc1, crc2 = cic6102_crc(bytes(rom))
    rom[0x10:0x18] = struct.pack(">II", crc1, crc2)
    return Rom(bytes(rom), texs)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.emulator.rom OUT.z64")
    Path(sys.argv[1]).write_bytes(build_rom().data)
