"""Deciding when a dump file is complete: size and mtime quiet for a while, and it decodes.

Emulators write dumps in several chunks, and GLideN64 rewrites a dump each time it reloads
the texture; a file is handed on only once it has settled, and a file that is still
changing is never reported broken. The decoded pixels travel on with the settled file, so
the pipeline does not decode it again. Special files (FIFOs, devices) are never opened:
they are broken at once. The clock is injected so the logic is testable.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from texpack.errors import ImageError
from texpack.imageio import load_rgba
from texpack.state import FileSig

QUIET_S = 0.15  # no size/mtime change for this long
GIVE_UP_S = 5.0  # a file that still does not decode this long after its last change is broken


@dataclass(slots=True)
class _Pending:
    sig: tuple[int, int] | None
    changed_at: float
    not_before: float = 0.0  # after a failed decode, wait another quiet period


@dataclass(frozen=True, slots=True)
class Settled:
    path: Path
    shape: tuple[int, int]  # (height, width) of the decoded image
    mtime_ns: int
    rgba: np.ndarray | None = field(default=None, compare=False, repr=False)  # the decoded pixels
    sig: FileSig | None = None  # the file as it was when decoded


@dataclass(frozen=True, slots=True)
class Broken:
    path: Path
    reason: str


class Settler:
    def __init__(
        self,
        quiet: float = QUIET_S,
        give_up: float = GIVE_UP_S,
        clock: Callable[[], float] = time.monotonic,
        check: Callable[[Path], np.ndarray] = load_rgba,
    ) -> None:
        self.quiet, self.give_up, self.clock, self.check = quiet, give_up, clock, check
        self.pending: dict[Path, _Pending] = {}

    def touch(self, path: Path) -> None:
        """A file was created or modified: (re)start its quiet period."""
        self.pending[Path(path)] = _Pending(None, self.clock())

    def __len__(self) -> int:
        return len(self.pending)

    def next_due(self) -> float | None:
        """Seconds until the next file could settle (None when nothing is pending)."""
        if not self.pending:
            return None
        now = self.clock()
        return max(0.0, min(max(p.changed_at + self.quiet, p.not_before) - now for p in self.pending.values()))

    def poll(self) -> tuple[list[Settled], list[Broken]]:
        now = self.clock()
        done: list[Settled] = []
        broken: list[Broken] = []
        for path, p in list(self.pending.items()):
            try:
                st = os.stat(path)
            except FileNotFoundError:
                del self.pending[path]  # deleted or renamed away
                continue
            except OSError as e:
                del self.pending[path]
                broken.append(Broken(path, f"cannot read ({e.strerror or e})"))
                continue
            if not stat.S_ISREG(st.st_mode):
                del self.pending[path]
                broken.append(Broken(path, "a FIFO or device, not an image file; skipped"))
                continue
            sig = (st.st_size, st.st_mtime_ns)
            if sig != p.sig:
                p.sig, p.changed_at = sig, now
                continue
            if now - p.changed_at < self.quiet or now < p.not_before:
                continue
            try:
                rgba = self.check(path)
            except ImageError as e:
                if now - p.changed_at >= self.give_up:
                    del self.pending[path]
                    broken.append(Broken(path, e.reason))
                else:
                    p.not_before = now + self.quiet  # maybe still being written: look again later
                continue
            del self.pending[path]
            done.append(Settled(path, (rgba.shape[0], rgba.shape[1]), st.st_mtime_ns, rgba, FileSig.of(st)))
        return done, broken
