"""Live mode: watch a dump folder and upscale each texture into the load folder as it settles.

Shares :class:`PackBuilder` with ``build``; only the source of files differs. Newest dumps
(what is on screen now) go first, and waiting textures of the same size go with them.
"""

from __future__ import annotations

import logging
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from texpack.emulators import EMULATORS, DumpRoot, get_emulator
from texpack.errors import TexpackError
from texpack.pipeline import BuildAborted, PackBuilder
from texpack.report import Outcome
from texpack.scan import scan
from texpack.settle import Settled, Settler

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WatchOptions:
    polling: bool = False
    batch: int = 32
    batch_pixels: int = 1 << 17  # source pixels per batch: about 0.1 s of CPU work in bf16
    quiet: float = 0.15


@dataclass(frozen=True, slots=True)
class WatchStatus:
    queued: int
    done: int
    up_to_date: int
    failed: int
    rate: float  # textures per second over the last 10 s
    last: str


class _Handler(FileSystemEventHandler):
    def __init__(self, on_path: Callable[[Path], None]) -> None:
        self.on_path = on_path

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type in ("deleted", "opened", "closed_no_write"):
            return
        path = event.dest_path if event.event_type == "moved" else event.src_path
        if isinstance(path, bytes):
            path = path.decode(errors="surrogateescape")
        p = Path(path)
        if not p.name.startswith("."):
            self.on_path(p)


def _with_rice_partner(path: Path) -> list[Path]:
    """A Rice ``_rgb``/``_a`` half brings its partner, so the pair is merged (n64 §1.2)."""
    name = path.name
    if name.endswith("_a.png"):
        rgb = path.with_name(name[: -len("_a.png")] + "_rgb.png")
        return [rgb, path] if rgb.exists() else [path]
    if name.endswith("_rgb.png"):
        a = path.with_name(name[: -len("_rgb.png")] + "_a.png")
        return [path, a] if a.exists() else [path]
    return [path]


class Watcher:
    """Watches one game's dump folder, or a folder above many (new games are picked up as they appear).

    ``root``/``builder`` give one game up front; ``make_builder`` lets the watcher start a
    builder for each game folder that shows up under ``top`` later (the first dump of a
    game creates its folder, so a player can start watching before starting the game).
    """

    def __init__(
        self,
        root: DumpRoot | None,
        builder: PackBuilder | None,
        options: WatchOptions = WatchOptions(),
        on_status: Callable[[WatchStatus], None] | None = None,
        on_failure: Callable[[str, str], None] | None = None,
        *,
        top: Path | None = None,
        make_builder: Callable[[DumpRoot], PackBuilder] | None = None,
        emulator: str | None = None,
        game: str | None = None,
        on_root: Callable[[DumpRoot, PackBuilder], None] | None = None,
    ) -> None:
        if top is None and root is None:
            raise ValueError("Watcher needs a root or a top folder")
        self.options = options
        self.top = Path(top) if top is not None else Path(root.path)  # type: ignore[union-attr]
        self.roots: dict[Path, tuple[DumpRoot, PackBuilder]] = {}
        self.bad_roots: set[Path] = set()
        if root is not None and builder is not None:
            self.roots[Path(root.path)] = (root, builder)
        self.make_builder, self.emulator, self.game = make_builder, emulator, game
        self.on_root = on_root or (lambda r, b: None)
        self.on_status = on_status or (lambda s: None)
        self.on_failure = on_failure or (lambda name, reason: None)
        self.settler = Settler(options.quiet)
        self.cond = threading.Condition()
        self.ready: dict[Path, Settled] = {}
        self.done = self.up_to_date = self.failed = 0
        self.last = ""
        self.recent: deque[tuple[float, int]] = deque()
        self.outcomes: list[Outcome] = []  # everything processed, for callers and tests
        self.aborted = ""

    def add_root(self, root: DumpRoot, builder: PackBuilder) -> None:
        self.roots[Path(root.path)] = (root, builder)
        self.on_root(root, builder)

    def builders(self) -> list[PackBuilder]:
        # Also read from the file-event thread: copy the dict's values in one step first.
        return [b for _, b in tuple(self.roots.values())]

    def _lane(self, path: Path) -> tuple[DumpRoot, PackBuilder] | None:
        """The game a dump file belongs to; a new game folder gets its builder here."""
        for dump_path, lane in tuple(self.roots.items()):
            if dump_path in path.parents:
                return lane
        if self.make_builder is None:
            return None
        emus = [get_emulator(self.emulator)] if self.emulator else list(EMULATORS.values())
        for d in path.parents:
            if d != self.top and self.top not in d.parents:
                break
            for e in emus:
                for g, dump_path in e.root_at(d):
                    if dump_path not in path.parents or dump_path in self.bad_roots:
                        continue
                    root = DumpRoot(e.id, self.game or g, dump_path)
                    try:
                        builder = self.make_builder(root)
                    except TexpackError as err:
                        self.bad_roots.add(dump_path)
                        self.on_failure(str(dump_path), str(err))
                        return None
                    self.add_root(root, builder)
                    return root, builder
        return None

    def _touch(self, path: Path) -> None:
        if any(b.game_dir in path.parents for b in self.builders()):
            return  # our own output, written inside the watched folder
        with self.cond:
            self.settler.touch(path)
            self.cond.notify()

    def catch_up(self) -> int:
        """Queue every dump already there; the pipeline skips those already done."""
        n = 0
        with self.cond:
            for root, _ in list(self.roots.values()):
                for p in get_emulator(root.emulator).list_files(root.path):
                    self.settler.touch(p)
                    n += 1
            self.cond.notify()
        return n

    def status(self) -> WatchStatus:
        now = time.monotonic()
        while self.recent and now - self.recent[0][0] > 10:
            self.recent.popleft()
        rate = sum(n for _, n in self.recent) / 10.0
        return WatchStatus(len(self.ready) + len(self.settler), self.done, self.up_to_date, self.failed, rate, self.last)

    def _lane_key(self, path: Path) -> Path | None:
        return next((d for d in self.roots if d in path.parents), None)

    def _take_batch(self) -> list[Settled]:
        newest = max(self.ready.values(), key=lambda s: s.mtime_ns)
        lane = self._lane_key(newest.path)
        same = sorted(
            (s for s in self.ready.values() if s.shape == newest.shape and self._lane_key(s.path) == lane),
            key=lambda s: -s.mtime_ns,
        )
        # A pixel budget keeps one batch short, so a dump arriving meanwhile waits little.
        per = max(1, self.options.batch_pixels // (newest.shape[0] * newest.shape[1]))
        batch = same[: min(self.options.batch, per)]
        for s in batch:
            del self.ready[s.path]
        return batch

    def _process(self, batch: list[Settled]) -> None:
        lane = self._lane(batch[0].path)
        if lane is None:
            return
        root, builder = lane
        paths: list[Path] = []
        for s in batch:
            for p in _with_rice_partner(s.path):
                if p not in paths:
                    paths.append(p)
        found = scan(root, paths)
        for prob in found.problems:
            self._record(Outcome(prob.rel, "failed", reason=prob.line()[len(prob.rel) + 2 :]))
        outcomes = builder.process(found.items)
        builder.write_config()
        for o in outcomes:
            self._record(o)

    def _record(self, o: Outcome) -> None:
        self.outcomes.append(o)
        if o.status == "failed":
            self.failed += 1
            self.on_failure(o.dump, o.reason)
        elif o.status in ("up-to-date", "skipped", "kept"):
            self.up_to_date += 1
        else:
            self.done += 1
            self.last = o.dump
            self.recent.append((time.monotonic(), 1))

    def run(self, stop: threading.Event, catch_up: bool = True, started: threading.Event | None = None) -> None:
        """Watch until ``stop`` is set; the batch in hand is finished before returning."""
        # watchdog's inotify backend warns when a new folder's watch is re-added, which
        # happens when an emulator creates nested game folders at once; it is harmless.
        warnings.filterwarnings("ignore", message="Callback with id", category=RuntimeWarning)
        observer = PollingObserver(timeout=0.5) if self.options.polling else Observer()
        observer.schedule(_Handler(self._touch), str(self.top), recursive=True)
        observer.start()
        try:
            if catch_up:
                self.catch_up()
            if started is not None:
                started.set()
            last_status = 0.0
            while not stop.is_set():
                with self.cond:
                    due = self.settler.next_due()
                    if not self.ready:
                        self.cond.wait(timeout=min(0.5, due) if due is not None else 0.5)
                    settled, broken = self.settler.poll()
                for s in settled:
                    if self._lane(s.path) is not None:
                        self.ready[s.path] = s
                for b in broken:
                    if self._lane(b.path) is not None:
                        self._record(Outcome(b.path.name, "failed", reason=b.reason))
                if self.ready:
                    try:
                        self._process(self._take_batch())
                    except BuildAborted as e:
                        self.aborted = str(e)
                        for o in e.outcomes:
                            self._record(o)
                        self.on_failure("(pack)", f"cannot write, stopping: {e}")
                        break
                    except Exception as e:  # noqa: BLE001 - one bad batch never stops the watcher
                        log.exception("batch failed")
                        self.on_failure("(batch)", f"{type(e).__name__}: {e}")
                now = time.monotonic()
                if now - last_status > 0.25:
                    self.on_status(self.status())
                    last_status = now
            self.on_status(self.status())
        finally:
            observer.stop()
            observer.join(timeout=5)
