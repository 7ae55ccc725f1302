"""The review session behind the page: rows, filters, thumbnails, rule changes and rebuilds.

Independent of HTTP (:mod:`texpack.review.server` maps routes onto it), so the API is
tested without a browser. Rebuilds go through the same pipeline as ``build``
(:func:`texpack.session.open_game`), so they take the pack's lock for as long as they
write; while ``texpack watch`` holds it, rule changes are saved and the page says so.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from texpack.atomic import write_atomic
from texpack.emulators import DumpRoot
from texpack.engine.pool import EnginePool
from texpack.errors import FileError, ProfileError, StateError, TexpackError
from texpack.profile import Profile, default_profile_for, shipped_profile_for, user_profile_path
from texpack.progress import NoProgress
from texpack.report import REPORT_NAME
from texpack.review.catalog import Row, build_rows, facets_of, select
from texpack.review.files import PathRefused, ReviewFiles
from texpack.review.preview import preview_png
from texpack.review.rules import ProfileEditor
from texpack.safefs import own_dir, read_own_text
from texpack.scan import scan
from texpack.session import GameOptions, check_models, open_game, resolve_target
from texpack.state import STATE_DIR, pack_writer


def _shipped_name(emulator: str, game: str) -> str:
    from texpack.resources import data_dir

    return shipped_profile_for(emulator, game).relative_to(data_dir("profiles")).with_suffix("").as_posix()


class ReviewService:
    def __init__(self, root: DumpRoot, out: Path, options: GameOptions = GameOptions(), profile: Path | None = None) -> None:
        self.root, self.out, self.options = root, Path(out), options
        self.target = resolve_target(root, options.target)
        self.pool = EnginePool(options.engine)
        path = Path(profile) if profile else user_profile_path(self.out, root.game)
        if profile is None and not path.is_file() and default_profile_for(root.emulator, root.game, self.out) != path:
            creates = _shipped_name(root.emulator, root.game)
        else:
            creates = None
        self.editor = ProfileEditor(path, self.out / STATE_DIR / "review-undo" / root.game, creates, root.game, self._build_would_accept)
        self.files = ReviewFiles({"dump": Path(root.path), "pack": self.out, "profile": self.editor.path.parent})
        self.lock = threading.RLock()
        self.busy = ""
        self.listeners: list[Callable[[dict[str, Any]], None]] = []
        self.last_look = self._read_last_look()
        self.rows: list[Row] = []
        self._by_key: dict[str, Row] = {}
        self.refresh()

    def _build_would_accept(self, profile: Profile) -> None:
        """The checks :func:`texpack.session.open_game` makes, on a profile about to be saved."""
        problems = self.target.profile_problems(profile)
        if problems:
            raise ProfileError(profile.source, problems)
        check_models(profile, self.options, self.pool)

    # -- rows ---------------------------------------------------------------------------
    def refresh(self) -> None:
        # Sizes come from the image headers: opening the build state would take the pack's
        # lock, which a running watch may hold.
        profile = self.editor.load()
        rows = build_rows(self.root, self.out, self.target, profile, None, self.last_look)
        with self.lock:
            self.rows = rows
            self._by_key = {r.id: r for r in rows}
        self.files.forget_thumbs()

    def _read_last_look(self) -> float:
        text = read_own_text(self.out / STATE_DIR / f"review-seen-{self.root.game}", 64)
        try:
            return float(text or 0.0)
        except ValueError:
            return 0.0

    def mark_seen(self) -> None:
        """Remember now as the last look; written by rename, so a link planted under the
        file's name is replaced, never written through."""
        self.last_look = time.time()
        write_atomic(own_dir(self.out / STATE_DIR) / f"review-seen-{self.root.game}", str(self.last_look).encode())
        with self.lock:
            for r in self.rows:
                r.changed = False

    def query(self, q: str = "", group: str = "", status: str = "", rule: str = "", changed: bool = False,
              min_side: int = 0, max_side: int = 0, sort: str = "name", desc: bool = False) -> list[Row]:
        """Rows matching every given filter, sorted (:func:`texpack.review.catalog.select`)."""
        with self.lock:
            rows = list(self.rows)
        return select(rows, q, group, status, rule, changed, min_side, max_side, sort, desc)

    def facets(self) -> dict[str, list[str]]:
        with self.lock:
            return facets_of(self.rows)

    def row(self, key: str) -> Row:
        """The row of the texture whose dump is ``key`` (its stable id)."""
        with self.lock:
            r = self._by_key.get(key)
        if r is None:
            raise PathRefused(f"no texture {key!r}")
        return r

    def thumb(self, key: str, which: str, size: int) -> bytes:
        """A PNG of the texture's dump or pack image, at most ``size`` px on a side."""
        r = self.row(key)
        use_dump = which == "dump" or not r.output
        return self.files.thumb("dump" if use_dump else "pack", r.dump if use_dump else r.output, size, r.out_mtime)

    # -- tuning ---------------------------------------------------------------------------
    def _emit(self, event: dict[str, Any]) -> None:
        for fn in list(self.listeners):
            fn(event)

    def set_rule(self, label: str, ids: list[str], settings: dict[str, Any]) -> dict[str, Any]:
        """Write a rule for the textures ``ids`` (row keys) and rebuild those it changes (in the background)."""
        with self.lock:
            if self.busy:
                raise StateError(f"busy: {self.busy}")
            names = [self.row(i).name for i in ids]
            before = {r.dump: dict(r.settings) for r in self.rows}
        self.editor.add_rule(label or "set in texpack review", names, settings)
        return self._start_rebuild(before, f"rule {label!r}")

    def preview(self, key: str, settings: dict[str, Any]) -> bytes:
        """The pack file a rule setting ``settings`` would give the texture ``key``, as PNG
        bytes (:func:`texpack.review.preview.preview_png`); nothing is saved or written."""
        r = self.row(key)
        profile = self.editor.add_rule("preview", [r.name], settings, save=False)
        return preview_png(self.root, self.target, self.pool, profile, r.dump)

    def undo(self) -> dict[str, Any]:
        with self.lock:
            if self.busy:
                raise StateError(f"busy: {self.busy}")
            before = {r.dump: dict(r.settings) for r in self.rows}
        self.editor.undo()
        return self._start_rebuild(before, "undo")

    def _start_rebuild(self, before: dict[str, dict[str, Any]], why: str) -> dict[str, Any]:
        self.refresh()
        with self.lock:
            changed = [r for r in self.rows if before.get(r.dump) != r.settings]
        writer = pack_writer(self.out)
        if writer is not None:
            # A running watch owns the pack: it takes up the saved profile within a second
            # and rebuilds these textures itself; the page follows its writes (texpack/review/live.py).
            return {"changed": len(changed), "undo": self.editor.can_undo(), "rebuilt_by": writer}
        with self.lock:
            self.busy = why
        th = threading.Thread(target=self._rebuild, args=([r.dump for r in changed], why), daemon=True)
        th.start()
        return {"changed": len(changed), "undo": self.editor.can_undo()}

    def _rebuild(self, dumps: list[str], why: str) -> None:
        emit = self._emit
        try:
            found = scan(self.root)
            wanted = set(dumps)
            items = [i for i in found.items if i.rel in wanted]
            emit({"type": "progress", "done": 0, "total": len(items), "why": why})
            opts = replace(self.options, profile=str(self.editor.path) if self.editor.path.is_file() else None)
            progress = _Progress(emit, len(items), why)
            with open_game(self.root, self.out, opts, self.pool) as session:
                outcomes = session.process(items, progress)
                keep = {r.output for r in self.query() if r.output and not r.settings.get("skip")}
                removed = session.remove_stale(keep | {o.output for o in outcomes if o.output})
                session.finish()
            summary = {o.status.value for o in outcomes + removed}
            emit({"type": "done", "why": why, "outcomes": len(outcomes), "statuses": sorted(summary),
                  "failed": [f"{o.dump}: {o.reason}" for o in outcomes if o.status.value == "failed"][:20]})
        except StateError as e:
            emit({"type": "error", "message": f"{e} The rule is saved; build again once it is done."})
        except (FileError, ProfileError, TexpackError) as e:
            emit({"type": "error", "message": str(e)})
        finally:
            with self.lock:
                self.busy = ""
            self.refresh()
            emit({"type": "rows"})


def pack_signature(out: Path) -> tuple[tuple[int, int] | None, ...]:
    """Changes whenever another texpack (watch, build) writes into the pack at ``out``."""
    sig: list[tuple[int, int] | None] = []
    for p in (out / STATE_DIR / "state.sqlite-wal", out / STATE_DIR / "state.sqlite", out / REPORT_NAME):
        try:
            st = os.stat(p)
            sig.append((st.st_size, st.st_mtime_ns))
        except OSError:
            sig.append(None)
    return tuple(sig)


class _Progress(NoProgress):
    """Counts produced textures as page events; reading is not shown."""

    def __init__(self, emit: Callable[[dict[str, Any]], None], total: int, why: str) -> None:
        self.emit, self.total, self.done, self.why = emit, total, 0, why

    def produced(self, n: int = 1) -> None:
        self.done += n
        self.emit({"type": "progress", "done": self.done, "total": self.total, "why": self.why})
