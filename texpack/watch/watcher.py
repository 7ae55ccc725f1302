"""Live mode: watch a dump folder (one game's, or one above many) and upscale each texture
into the load folder as soon as it has settled.

Each game is a lane: its dump root and its :class:`~texpack.session.GameSession`, opened
by the caller's ``open_lane`` the first time a dump of that game appears (so watching can
start before the emulator). Newest dumps go first (:mod:`.schedule`); pixels decoded by
the settle check are handed to the session, so a dump is decoded once.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from texpack.emulators import DumpRoot, get_emulator
from texpack.errors import TexpackError
from texpack.pipeline.execute import BuildAborted
from texpack.report import Outcome, Status
from texpack.scan import scan, with_partners
from texpack.session import GameSession
from texpack.watch.lanes import Lane, Lanes
from texpack.watch.schedule import take_batch
from texpack.watch.settle import Settled, Settler
from texpack.watch.source import EventSource


@dataclass(frozen=True, slots=True)
class WatchOptions:
    polling: bool = False
    batch: int = 32
    batch_pixels: int = 1 << 17  # source pixels per batch: about 0.1 s of CPU work
    quiet: float = 0.15


@dataclass(frozen=True, slots=True)
class WatchStatus:
    queued: int
    done: int  # pack files produced
    unchanged: int  # nothing to do: up to date, skipped or kept
    failed: int
    rate: float  # textures per second over the last 10 s
    last: str
    note: str = ""


def _noop(*_a: object) -> None:
    pass


class Tally:
    """What the watch has done so far, counted per outcome, and its recent rate."""

    def __init__(self) -> None:
        self.done = self.unchanged = self.failed = 0
        self.last = ""
        self.recent: deque[float] = deque()

    def count(self, o: Outcome) -> None:
        if o.status is Status.FAILED:
            self.failed += 1
        elif o.status.produced:
            self.done += 1
            self.last = o.dump
            self.recent.append(time.monotonic())
        else:
            self.unchanged += 1

    def status(self, queued: int, note: str) -> WatchStatus:
        now = time.monotonic()
        while self.recent and now - self.recent[0] > 10:
            self.recent.popleft()
        return WatchStatus(queued, self.done, self.unchanged, self.failed, len(self.recent) / 10.0, self.last, note)


class Watcher:
    def __init__(
        self,
        top: Path,
        open_lane: Callable[[DumpRoot], GameSession],
        *,
        emulator: str | None = None,
        game: str | None = None,
        options: WatchOptions = WatchOptions(),
        on_outcome: Callable[[Outcome], None] = _noop,
        on_status: Callable[[WatchStatus], None] = _noop,
        on_lane: Callable[[Lane], None] = _noop,
    ) -> None:
        self.top, self.options, self.on_outcome, self.on_status = Path(top), options, on_outcome, on_status
        self.lanes = Lanes(top, open_lane, emulator, game, on_lane,
                           lambda path, err: self._record(Outcome(str(path), Status.FAILED, reason=str(err))))
        self.settler = Settler(options.quiet)
        self.cond = threading.Condition()
        self.ready: dict[Path, Settled] = {}
        self.tally = Tally()
        self.note, self.aborted = "", ""
        self.source = EventSource(self.top, self._touch, self.lanes.is_output, options.polling)

    # -- lanes ------------------------------------------------------------------------
    def add(self, root: DumpRoot) -> Lane:
        return self.lanes.add(root)

    def sessions(self) -> list[GameSession]:
        return [lane.session for lane in self.lanes.all()]

    # -- events -----------------------------------------------------------------------
    def _touch(self, path: Path) -> None:
        with self.cond:
            self.settler.touch(path)
            self.cond.notify()

    def catch_up(self) -> int:
        """Queue every dump already there; the pipeline skips those already done."""
        return sum(self._queue(lane) for lane in self.lanes.all())

    def _queue(self, lane: Lane) -> int:
        """Queue every dump of ``lane``; returns how many."""
        files = get_emulator(lane.root.emulator).list_files(lane.root.path).files
        with self.cond:
            for p in files:
                self.settler.touch(p)
            self.cond.notify()
        return len(files)

    def status(self) -> WatchStatus:
        return self.tally.status(len(self.ready) + len(self.settler), self.note)

    def _record(self, o: Outcome) -> None:
        self.tally.count(o)
        self.on_outcome(o)

    # -- work -------------------------------------------------------------------------
    def _run_batch(self, batch: list[Settled]) -> None:
        lane = self.lanes.find(batch[0].path)
        if lane is None:
            return
        for s in batch:
            if s.rgba is not None and s.sig is not None:
                lane.session.sources.hand_over(s.path, s.sig, s.rgba)
        found = scan(lane.root, with_partners(lane.root, [s.path for s in batch]))
        for p in found.problems:
            self._record(Outcome(p.rel, Status.FAILED, reason=p.message()))
        for sk in found.skipped:
            self._record(Outcome(sk.rel, Status.SKIPPED, reason=sk.reason))
        outcomes = lane.session.process(found.items)
        if any(o.status is Status.ALIASED for o in outcomes):
            lane.session.finish()  # DuckStation's config.yaml lists the new aliases
        for o in outcomes:
            self._record(o)

    def _settle(self) -> None:
        with self.cond:
            due = self.settler.next_due()
            if not self.ready:
                self.cond.wait(timeout=min(0.5, due) if due is not None else 0.5)
            settled, broken = self.settler.poll()
        for s in settled:
            if self.lanes.find(s.path) is not None:
                self.ready[s.path] = s
        for b in broken:
            if self.lanes.find(b.path) is not None:
                self._record(Outcome(b.path.name, Status.FAILED, reason=b.reason))

    def _rearm(self) -> None:
        """The watched folder went away: wait for it, then watch it again and catch up."""
        self.source.stop()
        self.note = f"{self.top} is gone; waiting for it to come back"
        self.on_status(self.status())
        if self.top.is_dir():
            self.source.start()
            self.note = ""
            self.catch_up()

    def _reload_profiles(self) -> None:
        """A game whose profile changed (a rule saved from the review page while playing) gets
        its dumps queued again; the pipeline redoes only the textures whose settings changed."""
        for lane in self.lanes.all():
            try:
                changed = lane.session.reload_profile()
            except TexpackError as e:
                self.note = f"{lane.root.game}: the changed profile is not used ({e})"
                continue
            if changed:
                self.note = f"{lane.root.game}: profile changed; rebuilding what it changes"
                self._queue(lane)

    def run(self, stop: threading.Event, catch_up: bool = True, started: threading.Event | None = None) -> None:
        """Watch until ``stop`` is set; the batch in hand is finished before returning."""
        self.source.start()
        try:
            if catch_up:
                self.catch_up()
            if started is not None:
                started.set()
            last_status = last_check = 0.0
            while not stop.is_set():
                self._settle()
                if self.ready:
                    batch = take_batch(self.ready, self.lanes.known, self.options.batch, self.options.batch_pixels)
                    try:
                        self._run_batch(batch)
                    except BuildAborted as e:
                        self.aborted = str(e)
                        for o in e.outcomes:
                            self._record(o)
                        break
                    except TexpackError as e:  # one bad batch never stops the watcher
                        self._record(Outcome(batch[0].path.name, Status.FAILED, reason=str(e)))
                now = time.monotonic()
                if now - last_check > 1.0:
                    last_check = now
                    if not self.source.alive():
                        self._rearm()
                    self._reload_profiles()
                if now - last_status > 0.25:
                    self.on_status(self.status())
                    last_status = now
            self.on_status(self.status())
        finally:
            self.source.stop()
