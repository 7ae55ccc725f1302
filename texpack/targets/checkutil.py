"""Small helpers the targets' check rules share."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from PIL import Image


def image_size(path: Path) -> tuple[int, int] | None:
    """(width, height) from the image header, or None when it cannot be read as an image."""
    try:
        with Image.open(path) as im:
            return im.size
    except Exception:  # noqa: BLE001 - any unreadable image is one finding
        return None


def scale_of(have: tuple[int, int], base: tuple[int, int]) -> tuple[Fraction, Fraction]:
    return Fraction(have[0], base[0]), Fraction(have[1], base[1])
