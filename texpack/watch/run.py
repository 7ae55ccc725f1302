"""``watch`` as a library call, beside :func:`texpack.build.build`: everything the command
does between its options and its printing (engine pool, game lanes, where each game's pack
goes, closing the sessions), so the CLI and tests share one wiring.

``watch(request, stop, on_event)`` runs until ``stop`` is set and reports through
``on_event``; it prints nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from texpack.emulators import DumpRoot, find_dump_roots
from texpack.engine.pool import EnginePool
from texpack.errors import LayoutError
from texpack.frontends import output_root
from texpack.report import Outcome
from texpack.session import GameOptions, GameSession, open_game, resolve_target
from texpack.watch.watcher import Watcher, WatchOptions, WatchStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchRequest:
    dump: Path  # a game's dump folder, or a folder above several (texture_dump/, textures/)
    into: Path | None = None  # the emulator's data folder; None: found from where the dumps are
    emulator: str | None = None
    game: str | None = None
    options: GameOptions = field(default_factory=GameOptions)
    watch: WatchOptions = field(default_factory=WatchOptions)


@dataclass(frozen=True, slots=True)
class LaneOpened:
    """A game's lane is open: its dumps are watched and its pack files go to ``game_dir``."""

    root: DumpRoot
    game_dir: Path
    why: str  # why that folder (texpack.frontends.output_root)
    reload_help: str  # how the emulator picks up new files


@dataclass(frozen=True, slots=True)
class Waiting:
    """No game has dumped under ``top`` yet; game folders are picked up as they appear."""

    top: Path


WatchEvent = LaneOpened | Waiting | Outcome | WatchStatus


@dataclass(frozen=True, slots=True)
class WatchResult:
    status: WatchStatus
    aborted: str  # the pack could not be written any more (disk full, read-only); "" otherwise


class WatchRun:
    """One watch, in steps a caller can hold: :meth:`open` opens the lanes of the games already
    dumped, :meth:`run` watches until ``stop`` is set, :meth:`close` (or leaving the ``with``
    block) closes every game's session with its state. :func:`watch` is the three in a row;
    tests run :meth:`run` in a thread and look at :attr:`watcher`."""

    def __init__(self, req: WatchRequest, on_event: Callable[[WatchEvent], None] = lambda e: None, pool: EnginePool | None = None) -> None:
        self.req, self.on_event = req, on_event
        self.pool = pool or EnginePool(req.options.engine)
        self.pool.warm_up()  # PyTorch imports while the dump folder is read and watched
        self.top = Path(req.dump).resolve()
        self.watcher = Watcher(self.top, self._open_lane, emulator=req.emulator, game=req.game, options=req.watch,
                               on_outcome=on_event, on_status=on_event)

    def _open_lane(self, root: DumpRoot) -> GameSession:
        target = resolve_target(root, self.req.options.target)
        out, why = output_root(root, target, self.req.into)
        session = open_game(root, out, self.req.options, self.pool)
        self.on_event(LaneOpened(root, session.game_dir, why, target.reload_help))
        return session

    def open(self, stop: threading.Event) -> None:
        """Open a lane for each game already under the dump folder (none once ``stop`` is set)."""
        try:
            roots = find_dump_roots(self.top, self.req.emulator, self.req.game)
        except LayoutError:
            roots = []
        for root in roots:
            if stop.is_set():
                break
            self.watcher.add(root)
        if not roots:
            self.on_event(Waiting(self.top))

    def run(self, stop: threading.Event, started: threading.Event | None = None) -> None:
        """Watch until ``stop`` is set; ``started`` is set once the catch-up is queued."""
        self.watcher.run(stop, started=started)

    def result(self) -> WatchResult:
        return WatchResult(self.watcher.status(), self.watcher.aborted)

    def close(self) -> None:
        for s in self.watcher.sessions():
            s.close()

    def __enter__(self) -> WatchRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def watch(req: WatchRequest, stop: threading.Event, on_event: Callable[[WatchEvent], None] = lambda e: None,
          started: threading.Event | None = None, pool: EnginePool | None = None) -> WatchResult:
    """Watch ``req.dump`` until ``stop`` is set; ``started`` is set once the catch-up is queued."""
    with WatchRun(req, on_event, pool) as w:
        w.open(stop)
        w.run(stop, started)
    return w.result()
