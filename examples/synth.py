"""Synthetic dumps in each emulator's real folder layout, names and pixel conventions.

Used for the shipped examples, the tests and the benchmarks: every texture is drawn
here (so it may be redistributed) and encoded the way the emulator encodes that format
(docs/formats/n64.md "GLideN64 dumps", docs/formats/ps1.md "Dump side").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from texpack.imageio import encode_png

N64_SIZES = [(8, 8), (16, 16), (32, 32), (32, 16), (64, 32), (64, 64), (16, 64), (40, 32), (128, 32)]
PSX_SIZES = [(16, 16), (32, 32), (64, 64), (32, 64), (48, 24), (64, 128)]


def _picture(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A structured RGB picture in [0, 1]: a tileable blend of stripes, blobs and bricks."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    kind = rng.integers(0, 4)
    c1, c2 = rng.random(3), rng.random(3)
    if kind == 0:  # bricks, tileable
        rows = max(2, h // 8)
        by = (y * rows / h) % 1
        off = ((y * rows / h).astype(int) % 2) * 0.5
        bx = (x * max(1, w // 16) / w + off) % 1
        mortar = (by < 0.12) | (bx < 0.06)
        t = np.where(mortar, 0.2, 0.7 + 0.3 * np.sin(x * 0.7) * np.sin(y * 0.9))
    elif kind == 1:  # periodic waves, tileable
        fx, fy = rng.integers(1, 4, 2)
        t = 0.5 + 0.25 * np.sin(2 * np.pi * fx * x / w) + 0.25 * np.cos(2 * np.pi * fy * y / h)
    elif kind == 2:  # rings, not tileable
        cy, cx = rng.random(2) * (h, w)
        r = np.hypot(y - cy, x - cx)
        t = 0.5 + 0.5 * np.sin(r * 0.8)
    else:  # diagonal gradient with stripes
        t = ((x + y) / (w + h)) * 0.7 + 0.3 * ((x // 4 + y // 4) % 2)
    return np.clip(c1 * t[..., None] + c2 * (1 - t[..., None]), 0, 1)


def _cutout(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A soft shape mask in [0, 1] (1 inside): a blob or a glyph-like bar shape."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    cy, cx = h / 2 + rng.normal(0, h / 10), w / 2 + rng.normal(0, w / 10)
    ry, rx = h * rng.uniform(0.25, 0.45), w * rng.uniform(0.25, 0.45)
    d = ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2
    return np.clip(1.5 - d, 0, 1)


def _q5(v: np.ndarray) -> np.ndarray:
    """5-bit channel widened to 8 bits as the N64 converters do (c << 3 | c >> 2)."""
    c = np.clip(np.round(v * 31), 0, 31).astype(np.uint8)
    return (c << 3) | (c >> 2)


def _psx5(v: np.ndarray) -> np.ndarray:
    """DuckStation's 5-to-8-bit expansion (c*527+23)>>6 (docs/formats/ps1.md "Dump side")."""
    c = np.clip(np.round(v * 31), 0, 31).astype(np.int32)
    return ((c * 527 + 23) >> 6).astype(np.uint8)


def n64_pixels(rng: np.random.Generator, fmt: int, siz: int, h: int, w: int) -> np.ndarray:
    """RGBA8 content as GLideN64 dumps the given N64 format (docs/formats/n64.md "GLideN64 dumps")."""
    rgb = _picture(rng, h, w)
    mask = _cutout(rng, h, w)
    out = np.empty((h, w, 4), np.uint8)
    if fmt == 0 and siz == 3:  # RGBA32: graded alpha
        out[..., :3] = (rgb * 255).astype(np.uint8)
        out[..., 3] = (mask * 255).astype(np.uint8)
    elif fmt in (0, 2) and not (fmt == 0 and siz == 3):  # RGBA16 / CI with RGBA16 TLUT: 5551
        out[..., :3] = _q5(rgb)
        solid = mask > 0.5
        out[..., 3] = np.where(solid, 255, 0)
        out[~solid, :3] = 0  # junk (black) colour under transparent texels, as in real dumps
        if fmt == 2:  # few colours: quantise to a palette
            levels = 16 if siz == 0 else 64
            out[..., :3] = (out[..., :3] // (256 // int(levels ** (1 / 3) + 1))) * (256 // int(levels ** (1 / 3) + 1))
    elif fmt == 3:  # IA: (I, I, I, A)
        i = rgb.mean(axis=2)
        bits_i, bits_a = {0: (3, 1), 1: (4, 4), 2: (8, 8)}[siz]
        qi = np.round(i * (2**bits_i - 1)) / (2**bits_i - 1)
        qa = np.round(mask * (2**bits_a - 1)) / (2**bits_a - 1)
        out[..., :3] = (qi * 255).astype(np.uint8)[..., None]
        out[..., 3] = (qa * 255).astype(np.uint8)
    elif fmt == 4:  # I: (I, I, I, I)
        i = rgb.mean(axis=2) * mask
        bits = 4 if siz == 0 else 8
        q = (np.round(i * (2**bits - 1)) / (2**bits - 1) * 255).astype(np.uint8)
        out[...] = q[..., None]
    else:
        out[..., :3] = (rgb * 255).astype(np.uint8)
        out[..., 3] = 255
    return out


def psx_pixels(rng: np.random.Generator, semi: bool, h: int, w: int, opaque: bool = False) -> np.ndarray:
    """RGBA8 content as DuckStation dumps a texture (docs/formats/ps1.md "Dump side")."""
    rgb = _psx5(_picture(rng, h, w))
    out = np.empty((h, w, 4), np.uint8)
    out[..., :3] = rgb
    out[..., 3] = 255
    if not opaque:
        mask = _cutout(rng, h, w)
        clear = mask < 0.3
        out[clear] = 0  # word 0x0000 -> (0,0,0,0)
        if semi:
            band = (mask >= 0.3) & (mask < 0.6)
            out[band, 3] = 0x8F  # STP=1 texels in an ST mode
    return out


def _hex(rng: np.random.Generator, digits: int) -> str:
    return "".join(rng.choice(list("0123456789ABCDEF"), digits))


@dataclass(frozen=True, slots=True)
class SynthSpec:
    count: int = 24
    seed: int = 0
    duplicates: int = 2  # names that share another texture's pixels
    sizes: tuple[tuple[int, int], ...] = ()  # (h, w) to draw from; empty: N64_SIZES


N64_FORMATS = [(0, 2), (0, 3), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2), (4, 0), (4, 1)]


def make_gliden64_dump(base: Path, ident: str = "TEXPACK DEMO", spec: SynthSpec = SynthSpec()) -> Path:
    """``base/texture_dump/<ident>/GLideNHQ/`` with names as TxFilter::dmptx writes them."""
    rng = np.random.default_rng(spec.seed)
    folder = base / "texture_dump" / ident / "GLideNHQ"
    folder.mkdir(parents=True, exist_ok=True)
    made: list[tuple[str, bytes, int, int]] = []
    for i in range(spec.count):
        fmt, siz = N64_FORMATS[i % len(N64_FORMATS)]
        sizes = spec.sizes or N64_SIZES
        h, w = sizes[rng.integers(0, len(sizes))]
        data = encode_png(n64_pixels(rng, fmt, siz, h, w), 6)
        crc = _hex(rng, 8)
        if fmt == 2 or (fmt == 0 and siz == 0):
            name = f"{ident}#{crc}#{fmt:X}#{siz:X}#{_hex(rng, 8)}_ciByRGBA.png"
        else:
            name = f"{ident}#{crc}#{fmt:X}#{siz:X}_all.png"
        (folder / name).write_bytes(data)
        made.append((name, data, fmt, siz))
    for j in range(min(spec.duplicates, len(made))):
        _, data, fmt, siz = made[j]
        (folder / f"{ident}#{_hex(rng, 8)}#{fmt:X}#{siz:X}_all.png").write_bytes(data) if fmt not in (2,) and (fmt, siz) != (0, 0) else (
            folder / f"{ident}#{_hex(rng, 8)}#{fmt:X}#{siz:X}#{_hex(rng, 8)}_ciByRGBA.png"
        ).write_bytes(data)
    return folder


def make_rice_dump(base: Path, ident: str = "TEXPACK DEMO", spec: SynthSpec = SynthSpec()) -> Path:
    """``base/texture_dump/<ident>/{png_all,ci_by_png,png_by_rgb_a,ci_bmp}/`` as Rice writes them."""
    rng = np.random.default_rng(spec.seed + 1)
    root = base / "texture_dump" / ident
    for sub in ("png_all", "ci_by_png", "png_by_rgb_a", "ci_bmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for i in range(spec.count):
        fmt, siz = N64_FORMATS[i % len(N64_FORMATS)]
        h, w = N64_SIZES[rng.integers(0, len(N64_SIZES))]
        px = n64_pixels(rng, fmt, siz, h, w)
        stem = f"{ident}#{_hex(rng, 8)}#{fmt}#{siz}"
        ci_like = fmt in (0, 2) and siz <= 1
        if ci_like:
            pal = _hex(rng, 8)
            (root / "ci_by_png" / f"{stem}#{pal}_ciByRGBA.png").write_bytes(encode_png(px, 6))
            if i % 3 == 0:  # an 8-bit paletted BMP of the same texture, without the palette CRC
                Image.fromarray(px[..., :3]).convert("P", palette=Image.Palette.ADAPTIVE, colors=256).save(root / "ci_bmp" / f"{stem}_ci.bmp")
        elif i % 2 == 0:
            (root / "png_all" / f"{stem}_all.png").write_bytes(encode_png(px, 6))
        else:
            Image.fromarray(px[..., :3]).save(root / "png_by_rgb_a" / f"{stem}_rgb.png")
            if fmt != 4 and (px[..., 3] != 255).any():  # Rice writes _a only when alpha is used
                a = np.repeat(px[..., 3:4], 3, axis=2)
                Image.fromarray(a).save(root / "png_by_rgb_a" / f"{stem}_a.png")
    return root


def make_duckstation_dump(base: Path, serial: str = "SLUS-99999", spec: SynthSpec = SynthSpec()) -> Path:
    """``base/textures/<serial>/dumps/`` with texupload, texpage and vram-write names."""
    rng = np.random.default_rng(spec.seed + 2)
    folder = base / "textures" / serial / "dumps"
    folder.mkdir(parents=True, exist_ok=True)
    modes = ["P4", "P8", "C16", "STP4", "STP8", "STC16"]
    made: list[tuple[str, bytes]] = []
    for i in range(spec.count):
        mode = modes[i % len(modes)]
        h, w = PSX_SIZES[rng.integers(0, len(PSX_SIZES))]
        px = psx_pixels(rng, mode.startswith("ST"), h, w, opaque=(i % 5 == 4))
        kind = "texpage" if i % 7 == 6 else "texupload"
        unit = {"P4": 4, "P8": 2, "C16": 1}[mode.removeprefix("ST")]
        sw, sh = (64, 256) if unit == 4 else (128, 256) if unit == 2 else (256, 256)
        ox, oy = int(rng.integers(0, sw * unit - w + 1)), int(rng.integers(0, sh - h + 1))
        if unit == 1:
            name = f"{kind}-{mode}-{_hex(rng, 16)}-{sw}x{sh}-{ox}-{oy}-{w}x{h}.png"
        else:
            top = 15 if unit == 4 else 255
            pmax = int(rng.integers(1, top + 1))
            name = f"{kind}-{mode}-{_hex(rng, 16)}-{_hex(rng, 16)}-{sw}x{sh}-{ox}-{oy}-{w}x{h}-P0-{pmax}.png"
        data = encode_png(px, 6)
        (folder / name).write_bytes(data)
        made.append((name, data))
    for j in range(min(spec.duplicates, len(made))):  # the same pixels under a second palette hash
        name, data = made[j]
        parts = name.split("-")
        parts[2] = _hex(rng, 16)
        (folder / "-".join(parts)).write_bytes(data)
    bg = np.empty((240, 320, 4), np.uint8)
    bg[..., :3] = _psx5(_picture(rng, 240, 320))
    bg[..., 3] = 255  # DumpVRAMWriteForceAlphaChannel defaults to true (docs/formats/ps1.md "Dump side")
    (folder / f"vram-write-{_hex(rng, 32)}.png").write_bytes(encode_png(bg, 6))
    return folder
