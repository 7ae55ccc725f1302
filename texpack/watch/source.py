"""File events for a watched folder: watchdog's native or polling observer, filtered.

Only files reach the callback: folder events, deletions and opens are dropped, and so is
anything under an ignored folder (the pack's own output, the ``.texpack`` state folder)
or with a hidden name (our temp files start with '.'). The watched folder itself can
vanish and come back (a user clears the dump folder); :meth:`EventSource.alive` tells the
watcher so it can re-arm.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from texpack.state import STATE_DIR


class _Handler(FileSystemEventHandler):
    def __init__(self, on_path: Callable[[Path], None], ignored: Callable[[Path], bool]) -> None:
        self.on_path, self.ignored = on_path, ignored

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type in ("deleted", "opened", "closed_no_write"):
            return
        path = event.dest_path if event.event_type == "moved" else event.src_path
        if isinstance(path, bytes):
            path = path.decode(errors="surrogateescape")
        p = Path(path)
        if p.name.startswith(".") or STATE_DIR in p.parts or self.ignored(p):
            return
        self.on_path(p)


class EventSource:
    """Watches ``top`` recursively; ``ignored(path)`` filters out the pack's own files."""

    def __init__(self, top: Path, on_path: Callable[[Path], None], ignored: Callable[[Path], bool], polling: bool = False) -> None:
        self.top, self.on_path, self.ignored, self.polling = Path(top), on_path, ignored, polling
        self.observer: BaseObserver | None = None

    def start(self) -> None:
        observer = PollingObserver(timeout=0.5) if self.polling else Observer()
        observer.schedule(_Handler(self.on_path, self.ignored), str(self.top), recursive=True)
        observer.start()
        self.observer = observer

    def stop(self) -> None:
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(timeout=5)
            self.observer = None

    def alive(self) -> bool:
        """The watched folder is still there and the observer still runs."""
        return self.top.is_dir() and self.observer is not None and self.observer.is_alive()
