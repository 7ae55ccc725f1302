"""The files the review page may read: dump, pack and profile folders, and thumbnails of them.

Every path the page sends is checked here (:meth:`ReviewFiles.resolve`), so a request can
never reach a file outside the three folders, whatever it encodes or links to.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any

from PIL import Image

from texpack.errors import TexpackError
from texpack.relpath import rel_problem

THUMB_CACHE = 4096  # thumbnails held before the cache starts over
THUMB_SIDES = (16, 512)


class PathRefused(TexpackError):
    """A file request outside the folders the page may see."""


class ReviewFiles:
    def __init__(self, roots: dict[str, Path]) -> None:
        self.roots = {k: Path(v) for k, v in roots.items()}
        self._lock = threading.Lock()
        self._thumbs: dict[tuple[Any, ...], bytes] = {}

    def resolve(self, root: str, rel: str) -> Path:
        """``rel`` under one of the page's folders, or :class:`PathRefused`.

        Refused: other roots, absolute paths, ``..``, backslashes, NUL, and anything whose
        real path (symlinks followed) leaves the folder.
        """
        base = self.roots.get(root)
        if base is None:
            raise PathRefused(f"unknown folder {root!r}")
        if (why := rel_problem(rel)) is not None:
            raise PathRefused(f"{rel!r} is not a plain relative path ({why})")
        try:
            real_base = base.resolve()
            path = (base / rel).resolve()
            if path != real_base and real_base not in path.parents:
                raise PathRefused(f"{rel!r} leads outside the {root} folder")
            if not path.is_file():
                raise PathRefused(f"{rel!r} is not a file")
        except (OSError, RuntimeError) as e:  # a link loop (RuntimeError before Python 3.13), a name too long
            raise PathRefused(f"{rel!r} cannot be opened ({type(e).__name__})") from e
        return path

    def thumb(self, root: str, rel: str, size: int, version: float = 0.0) -> bytes:
        """PNG of ``rel`` scaled to ``size`` px on its long side (nearest up, box down).

        ``version`` (the file's mtime as the caller knows it) keys the cache, so a rebuilt
        texture is never served from an old thumbnail.
        """
        size = max(THUMB_SIDES[0], min(THUMB_SIDES[1], size))
        key = (root, rel, size, version)
        with self._lock:
            hit = self._thumbs.get(key)
        if hit is not None:
            return hit
        try:
            with Image.open(self.resolve(root, rel)) as im:
                im = im.convert("RGBA")
                f = size / max(im.size)
                new = (max(1, round(im.width * f)), max(1, round(im.height * f)))
                im = im.resize(new, Image.Resampling.NEAREST if f >= 1 else Image.Resampling.BOX)
                buf = io.BytesIO()
                im.save(buf, "PNG", compress_level=1)
        except (OSError, ValueError, Image.DecompressionBombError) as e:  # a pack's file may be no picture, or a bomb
            raise PathRefused(f"{rel!r} is not a picture the page can show ({type(e).__name__})") from e
        data = buf.getvalue()
        with self._lock:
            if len(self._thumbs) > THUMB_CACHE:
                self._thumbs.clear()
            self._thumbs[key] = data
        return data

    def forget_thumbs(self) -> None:
        with self._lock:
            self._thumbs.clear()
