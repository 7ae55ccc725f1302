"""What a texture's alpha channel means, as a closed set (docs/formats/n64.md and ps1.md)."""

from __future__ import annotations

from enum import Enum


class AlphaMode(str, Enum):
    """How the finished texture's alpha is produced.

    ``AUTO`` is resolved per texture from its emulator key; the rest are explicit.
    """

    AUTO = "auto"
    BINARY = "binary"  # 1-bit: output 0/255 (N64 RGBA16, IA4, CI with an RGBA16 palette)
    BINARY_CLEAR = "binary-clear"  # 0/255 with RGB zeroed where 0 (DuckStation non-ST)
    TERNARY = "ternary"  # 0 / 0x8F / 255 with exact (0,0,0,0) (DuckStation ST modes)
    GRADED = "graded"  # upscale alpha with the network (N64 IA8/IA16/RGBA32)
    INTENSITY = "intensity"  # alpha = intensity of the upscaled image (N64 I4/I8)
    LEVELS = "levels"  # keep the dump's alpha levels and every texel's colour (vram-write: alpha is the STP bit)
    OPAQUE = "opaque"  # alpha 255 everywhere


class SeamMode(str, Enum):
    """Padding used around a texture before upscaling so its edges upscale as they repeat."""

    AUTO = "auto"  # wrap when the texture tiles, else mirror
    WRAP = "wrap"
    MIRROR = "mirror"
    CLAMP = "clamp"
