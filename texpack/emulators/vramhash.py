"""The hash in a DuckStation ``vram-write`` name, rebuilt from a dump's pixels.

Used to pick the one right zero-padded name for an old ``vram-write`` dump whose name
can be split several ways (docs/formats/ps1.md "Hashes").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xxhash

from texpack.errors import ImageError
from texpack.imageio import load_rgba


def vram_write_hash(rgba: np.ndarray, stp_from_alpha: bool) -> str:
    """The name hash of a ``vram-write`` dump, rebuilt from its pixels (docs/formats/ps1.md "Hashes").

    The dump holds each 5-bit channel expanded with ``(c*527+23)>>6``, which ``>>3`` undoes
    exactly; the hash is XXH3-128 over the little-endian 16-bit words, high half first.
    The mask bit is only known when the dump kept alpha (DumpVRAMWriteForceAlphaChannel off);
    otherwise it is taken as 0, which is right when no pixel had it set.
    """
    px = rgba.astype(np.uint16)
    words = (px[..., 0] >> 3) | ((px[..., 1] >> 3) << 5) | ((px[..., 2] >> 3) << 10)
    if stp_from_alpha:
        words |= np.where(px[..., 3] > 0, 0x8000, 0).astype(np.uint16)
    return xxhash.xxh3_128(words.astype("<u2").tobytes()).hexdigest().upper()


def verified_candidates(path: Path, candidates: tuple[str, ...]) -> tuple[str, ...]:
    """The one current name whose hash the pixels reproduce, or all candidates when none does."""
    try:
        rgba = load_rgba(path)
    except ImageError:
        return candidates
    hashes = {vram_write_hash(rgba, stp) for stp in (False, True)}
    hits = tuple(c for c in candidates if c.removeprefix("vram-write-") in hashes)
    return hits or candidates
