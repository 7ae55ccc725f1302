"""Which settled dumps go into the next batch: pure, so it is tested without a watcher.

The newest dump is what is on screen now: it goes first, with waiting dumps of the same
game and size (one batched network call), newest first, capped by count and by source
pixels so a dump arriving meanwhile waits little.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from texpack.watch.settle import Settled


def take_batch(ready: dict[Path, Settled], lane_of: Callable[[Path], object], max_count: int, max_pixels: int) -> list[Settled]:
    """Remove and return the next batch from ``ready`` (empty when nothing is ready)."""
    if not ready:
        return []
    newest = max(ready.values(), key=lambda s: s.mtime_ns)
    lane = lane_of(newest.path)
    same = sorted((s for s in ready.values() if s.shape == newest.shape and lane_of(s.path) == lane), key=lambda s: -s.mtime_ns)
    per = max(1, max_pixels // (newest.shape[0] * newest.shape[1]))
    batch = same[: min(max_count, per)]
    for s in batch:
        del ready[s.path]
    return batch
