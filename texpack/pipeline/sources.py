"""Dump pixels: decoding a dump (with its Rice ``_a`` half), its content hash, and a cache of
both keyed by the file's signature, so unchanged dumps are not decoded again."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import numpy as np
import xxhash

from texpack import imageio
from texpack.errors import ImageError, TexpackError
from texpack.scan import DumpItem
from texpack.state import FileSig, SourceInfo, State


def decode_item(item: DumpItem) -> np.ndarray:
    """Decode a dump, merging a Rice ``_a`` half into the alpha channel (docs/formats/n64.md "Rice dumps")."""
    rgba = imageio.load_rgba(item.path)
    if item.alpha_path is not None:
        a = imageio.load_rgba(item.alpha_path)
        if a.shape[:2] != rgba.shape[:2]:
            # Rice saves _a at the texture object's size, which can differ from _rgb's.
            ys = np.arange(rgba.shape[0]) * a.shape[0] // rgba.shape[0]
            xs = np.arange(rgba.shape[1]) * a.shape[1] // rgba.shape[1]
            a = a[ys][:, xs]
        rgba = rgba.copy()
        rgba[..., 3] = a[..., 0]
    return rgba


def content_hash(rgba: np.ndarray) -> str:
    h = xxhash.xxh3_64()
    h.update(np.asarray(rgba.shape, np.int64).tobytes())
    h.update(np.ascontiguousarray(rgba).tobytes())
    return h.hexdigest()


def _sig(paths: list[Path], name: str) -> FileSig:
    sigs = []
    for p in paths:
        imageio.regular_file_size(p)
        try:
            sigs.append(FileSig.of(os.stat(p)))
        except OSError as e:
            raise ImageError(name, f"cannot read ({e.strerror or e})") from e
    if len(sigs) == 1:
        return sigs[0]
    # A Rice pair: any change to either half changes the pair.
    return FileSig(sum(s.size for s in sigs), max(s.mtime_ns for s in sigs), max(s.ctime_ns for s in sigs), hash(tuple(s.inode for s in sigs)) & 0x7FFFFFFFFFFFFFFF)


Found = tuple[SourceInfo, np.ndarray | None]  # what a dump decodes to (no pixels on a cache hit)
Decoding = tuple[str, FileSig, "Future[tuple[SourceInfo, np.ndarray]]"]  # state key, signature, the decode


T = TypeVar("T")


class SourceCache:
    """What each dump decodes to; remembered in the state so rebuilds skip decoding."""

    def __init__(self, state: State | None) -> None:
        self.state = state
        self.decoded: dict[Path, tuple[FileSig, np.ndarray]] = {}  # handed over by the watcher

    def hand_over(self, path: Path, sig: FileSig, rgba: np.ndarray) -> None:
        """Pixels already decoded elsewhere (the watcher's settle check) for the next lookup."""
        self.decoded[Path(path)] = (sig, rgba)

    def lookup_many(self, items: list[DumpItem], workers: int, window: int = 64) -> Iterator[tuple[DumpItem, tuple[SourceInfo, np.ndarray | None] | TexpackError]]:
        """:meth:`lookup` for many items, in order, decoding the ones not in the cache on
        ``workers`` threads (PNG decoding and hashing release the GIL), at most ``window``
        ahead so memory stays bounded."""
        if workers <= 1 or len(items) < 8:
            for item in items:
                yield self._finish(item, self._start(item, None))
            return
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="texpack-decode") as pool:
            pending: list[tuple[DumpItem, TexpackError | Found | Decoding]] = []
            for item in items:
                pending.append((item, self._start(item, pool)))
                if len(pending) >= window:
                    yield self._finish(*pending.pop(0))
            for p in pending:
                yield self._finish(*p)

    def _start(self, item: DumpItem, pool: ThreadPoolExecutor | None) -> TexpackError | Found | Decoding:
        """A cache hit, an error, or a future decoding the item (on ``pool``, else now).
        State reads and writes stay on the caller's thread."""
        paths = [item.path] + ([item.alpha_path] if item.alpha_path else [])
        try:
            pre = self.decoded.pop(item.path, None) if item.alpha_path is None else None
            sig = pre[0] if pre else _sig(paths, item.name)
        except TexpackError as e:
            return e
        key = "|".join(str(p) for p in paths)
        if self.state is not None and (hit := self.state.source(key, sig)) is not None:
            return (hit, pre[1] if pre else None)
        work = functools.partial(_info, pre[1]) if pre else (lambda: _info(decode_item(item)))
        return (key, sig, pool.submit(work) if pool is not None else _now(work))

    def _finish(self, item: DumpItem, started: TexpackError | Found | Decoding) -> tuple[DumpItem, Found | TexpackError]:
        if isinstance(started, TexpackError) or len(started) == 2:
            return item, started
        key, sig, fut = started
        try:
            info, rgba = fut.result()
        except TexpackError as e:
            return item, e
        if self.state is not None:
            self.state.put_source(key, sig, info)
        return item, (info, rgba)


def _info(rgba: np.ndarray) -> tuple[SourceInfo, np.ndarray]:
    return SourceInfo(content_hash(rgba), rgba.shape[1], rgba.shape[0]), rgba


def _now(fn: Callable[[], T]) -> Future[T]:
    """``fn()`` run here, as a finished future."""
    f: Future[T] = Future()
    try:
        f.set_result(fn())
    except Exception as e:  # noqa: BLE001 - handed to the caller through result()
        f.set_exception(e)
    return f
