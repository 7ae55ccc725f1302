"""Build state in one sqlite file, and the lock that makes a run the pack's only writer.

``<out>/.texpack/state.sqlite`` records what each dump decoded to and what made each
pack file; every output is recorded right after its atomic write and committed at once,
so a run killed at any moment (SIGKILL included) resumes where it stopped.

``<out>/.texpack/lock`` is held (an OS file lock, released by the OS when the process
dies) for as long as a ``build`` or ``watch`` writes into the pack; a second run is
refused with the holder's pid and command. One process may open the same pack for
several games: they share one :class:`State`.
"""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from texpack.atomic import write_atomic
from texpack.errors import PackError, PackStateError, StateError
from texpack.safefs import open_own, own_dir, read_own_text, refuse_link

STATE_DIR = ".texpack"
SCHEMA_VERSION = "2"
SCHEMA = """
CREATE TABLE IF NOT EXISTS sources(
    path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER, inode INTEGER,
    content TEXT, width INTEGER, height INTEGER);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outputs(
    rel TEXT PRIMARY KEY, job TEXT NOT NULL, dump TEXT NOT NULL, alias_of TEXT, root TEXT NOT NULL DEFAULT '',
    size INTEGER, mtime_ns INTEGER);
"""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    content: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class FileSig:
    """What identifies a file's bytes without reading them: size, mtime, ctime and inode.

    Restoring size and mtime after changing the bytes (``cp`` then ``touch -d``) still
    changes ctime, which no user command can set.
    """

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int

    @classmethod
    def of(cls, st: os.stat_result) -> FileSig:
        return cls(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


@dataclass(frozen=True, slots=True)
class OutputRow:
    rel: str
    job: str
    dump: str
    alias_of: str | None
    root: str = ""  # the dump folder that produced it; stale removal stays within it
    size: int | None = None  # the file as written: a later change means someone edited it
    mtime_ns: int | None = None


class PackLock:
    """An exclusive OS lock on ``<out>/.texpack/lock``, with the holder written inside."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "lock"
        self.fd = open_own(self.path, os.O_RDWR | os.O_CREAT)
        try:
            _lock(self.fd)
        except OSError:
            holder = _read_holder(self.path)
            os.close(self.fd)
            raise StateError(
                f"another texpack is writing into {folder.parent} ({holder}); wait for it to finish or stop it. "
                "One writer per pack keeps files and state consistent."
            ) from None
        os.ftruncate(self.fd, 0)
        os.write(self.fd, f"pid {os.getpid()}: {' '.join(sys.argv)[:300]}\n".encode(errors="replace"))

    def release(self) -> None:
        if self.fd >= 0:
            try:
                os.ftruncate(self.fd, 0)
            except OSError:
                pass
            os.close(self.fd)
            self.fd = -1


def pack_writer(out: Path) -> str | None:
    """Who holds the pack's lock now (``pid N: command``), or None when nobody does; the
    probe takes and drops the lock at once."""
    folder = Path(out) / STATE_DIR
    if not folder.is_dir():
        return None
    try:
        PackLock(folder).release()
    except StateError:
        return _read_holder(folder / "lock")
    except PackError:
        return None
    return None


def _lock(fd: int) -> None:
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined,unused-ignore]  # Windows-only module
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _read_holder(path: Path) -> str:
    return (read_own_text(path, 400) or "").strip() or "pid unknown"


def _sqlite_error(path: Path, e: sqlite3.Error) -> Exception:
    """Disk full, read-only and I/O errors stop the build (PackError, exit 3); a damaged file
    is a StateError that says how to start a fresh state without losing the pack."""
    msg = str(e)
    if isinstance(e, sqlite3.DatabaseError) and ("malformed" in msg or "not a database" in msg or "file is encrypted" in msg):
        return StateError(
            f"{path} is damaged ({msg}); run again with --reset-state to move it aside and start a fresh "
            "state: the pack stays, and texpack recognises its own files by their marker"
        )
    return PackError(str(path), f"cannot update the build state ({msg})")


def _bind(value: object) -> object:
    """A file name as the OS gave it may hold undecodable bytes (surrogate escapes), which
    sqlite's UTF-8 text cannot: such a name is stored as its raw bytes (the schema has no
    other blob columns, so :func:`_unbind` knows every blob is a name)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "surrogateescape")
    return value


def _unbind(value: object) -> object:
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value


class State:
    """The open state of one pack folder; ``close`` releases it (and the lock when last)."""

    _open: dict[Path, State] = {}
    _guard = threading.Lock()

    @classmethod
    def open(cls, out: Path, reset: bool = False) -> State:
        key = Path(out).resolve()
        with cls._guard:
            st = cls._open.get(key)
            if st is None:
                st = cls(key, reset)
                cls._open[key] = st
            st.users += 1
            return st

    def __init__(self, out: Path, reset: bool = False) -> None:
        try:
            folder = own_dir(Path(out) / STATE_DIR)
            self.lock = PackLock(folder)
        except PackError as e:
            raise PackStateError(e.name, e.reason) from e
        self.out = Path(out)
        self.path = folder / "state.sqlite"
        self.users = 0
        self._owner: str | None = None
        self.mutex = threading.RLock()
        try:
            if reset and self.path.exists():
                aside = self.path.with_name(f"state.sqlite.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
                os.replace(self.path, aside)
                for extra in ("-wal", "-shm"):
                    Path(str(self.path) + extra).unlink(missing_ok=True)
            for own in ("", "-wal", "-shm", "-journal"):  # sqlite would write through a planted link
                refuse_link(Path(str(self.path) + own))
            self.db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
            self.db.executescript(SCHEMA)
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            self.db.commit()
        except sqlite3.Error as e:
            self.lock.release()
            raise _sqlite_error(self.path, e) from e
        except OSError as e:
            self.lock.release()
            raise PackError(str(self.path), f"cannot open ({e.strerror or e})") from e
        except PackError as e:
            self.lock.release()
            raise PackStateError(e.name, e.reason) from e

    def _migrate(self) -> None:
        cols = [r[1] for r in self.db.execute("PRAGMA table_info(sources)")]
        if cols and "ctime_ns" not in cols:
            self.db.execute("DROP TABLE sources")  # a decode cache: rebuilt as dumps are read

    def close(self) -> None:
        with State._guard:
            self.users -= 1
            if self.users > 0:
                return
            State._open.pop(self.out.resolve(), None)
        with self.mutex:
            try:
                self.db.close()
            finally:
                self.lock.release()

    def _run(self, sql: str, args: tuple[Any, ...] = (), commit: bool = False) -> list[tuple[Any, ...]]:
        with self.mutex:
            try:
                rows = self.db.execute(sql, tuple(_bind(a) for a in args)).fetchall()
                if commit:
                    self.db.commit()
                return [tuple(_unbind(v) for v in r) for r in rows]
            except sqlite3.Error as e:
                raise _sqlite_error(self.path, e) from e

    # -- decode cache -----------------------------------------------------------------
    def source(self, path: str, sig: FileSig) -> SourceInfo | None:
        rows = self._run(
            "SELECT content, width, height FROM sources WHERE path=? AND size=? AND mtime_ns=? AND ctime_ns=? AND inode=?",
            (path, sig.size, sig.mtime_ns, sig.ctime_ns, sig.inode),
        )
        return SourceInfo(*rows[0]) if rows else None

    def put_source(self, path: str, sig: FileSig, info: SourceInfo) -> None:
        self._run(
            "INSERT OR REPLACE INTO sources VALUES (?,?,?,?,?,?,?,?)",
            (path, sig.size, sig.mtime_ns, sig.ctime_ns, sig.inode, info.content, info.width, info.height),
            commit=True,
        )

    # -- pack files -------------------------------------------------------------------
    def output(self, rel: str) -> OutputRow | None:
        rows = self._run("SELECT rel, job, dump, alias_of, root, size, mtime_ns FROM outputs WHERE rel=?", (rel,))
        return OutputRow(*rows[0]) if rows else None

    def outputs(self, prefix: str = "") -> list[OutputRow]:
        rows = self._run(
            "SELECT rel, job, dump, alias_of, root, size, mtime_ns FROM outputs WHERE substr(rel, 1, ?) = ? ORDER BY rel",
            (len(prefix), prefix),
        )
        return [OutputRow(*r) for r in rows]

    def put_output(self, row: OutputRow) -> None:
        self._run(
            "INSERT OR REPLACE INTO outputs VALUES (?,?,?,?,?,?,?)",
            (row.rel, row.job, row.dump, row.alias_of, row.root, row.size, row.mtime_ns),
            commit=True,
        )

    def delete_output(self, rel: str) -> None:
        self._run("DELETE FROM outputs WHERE rel=?", (rel,), commit=True)

    @property
    def owner(self) -> str:
        """This pack's id, written into the marker of every PNG its builds write.

        Kept in ``.texpack/pack-id`` rather than the database, so ``--reset-state`` keeps
        recognising the pack's files; made on first use."""
        if self._owner is None:
            path = self.out / STATE_DIR / "pack-id"
            text = (read_own_text(path, 64) or "").strip()
            if not re.fullmatch(r"[0-9a-f]{16}", text):
                text = secrets.token_hex(8)
                write_atomic(path, text.encode())
            self._owner = text
        return self._owner

    def meta(self, key: str) -> str | None:
        rows = self._run("SELECT value FROM meta WHERE key=?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self._run("INSERT OR REPLACE INTO meta VALUES (?,?)", (key, value), commit=True)
