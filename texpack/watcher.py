"""Live mode: watch a dump folder and upscale each texture into the load folder as it settles.

Shares :class:`PackBuilder` with ``build``; only the source of files differs. Newest dumps
(what is on screen now) go first, and waiting textures of the same size go with them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from texpack.emulators import DumpRoot, get_emulator
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
    def __init__(
        self,
        root: DumpRoot,
        builder: PackBuilder,
        options: WatchOptions = WatchOptions(),
        on_status: Callable[[WatchStatus], None] | None = None,
        on_failure: Callable[[str, str], None] | None = None,
    ) -> None:
        self.root, self.builder, self.options = root, builder, options
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

    def _touch(self, path: Path) -> None:
        with self.cond:
            self.settler.touch(path)
            self.cond.notify()

    def catch_up(self) -> int:
        """Queue every dump already there; the pipeline skips those already done."""
        files = get_emulator(self.root.emulator).list_files(self.root.path)
        with self.cond:
            for p in files:
                self.settler.touch(p)
            self.cond.notify()
        return len(files)

    def status(self) -> WatchStatus:
        now = time.monotonic()
        while self.recent and now - self.recent[0][0] > 10:
            self.recent.popleft()
        rate = sum(n for _, n in self.recent) / 10.0
        return WatchStatus(len(self.ready) + len(self.settler), self.done, self.up_to_date, self.failed, rate, self.last)

    def _take_batch(self) -> list[Settled]:
        newest = max(self.ready.values(), key=lambda s: s.mtime_ns)
        same = sorted((s for s in self.ready.values() if s.shape == newest.shape), key=lambda s: -s.mtime_ns)
        # A pixel budget keeps one batch short, so a dump arriving meanwhile waits little.
        per = max(1, self.options.batch_pixels // (newest.shape[0] * newest.shape[1]))
        batch = same[: min(self.options.batch, per)]
        for s in batch:
            del self.ready[s.path]
        return batch

    def _process(self, batch: list[Settled]) -> None:
        paths: list[Path] = []
        for s in batch:
            for p in _with_rice_partner(s.path):
                if p not in paths:
                    paths.append(p)
        found = scan(self.root, paths)
        for prob in found.problems:
            self._record(Outcome(prob.rel, "failed", reason=prob.line()[len(prob.rel) + 2 :]))
        outcomes = self.builder.process(found.items)
        self.builder.write_config()
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
        observer = PollingObserver(timeout=0.5) if self.options.polling else Observer()
        observer.schedule(_Handler(self._touch), str(self.root.path), recursive=True)
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
                    self.ready[s.path] = s
                for b in broken:
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
