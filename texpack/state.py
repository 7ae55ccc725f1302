"""Build state in one sqlite file: what each dump decoded to, and what made each pack file.

Every output is recorded right after its atomic write and committed at once, so a run
killed at any moment (SIGKILL included) resumes where it stopped.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

STATE_DIR = ".texpack"
SCHEMA = """
CREATE TABLE IF NOT EXISTS sources(
    path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, content TEXT, width INTEGER, height INTEGER);
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
class OutputRow:
    rel: str
    job: str
    dump: str
    alias_of: str | None
    root: str = ""  # the dump folder that produced it; stale removal stays within it
    size: int | None = None  # the file as written: a later change means someone edited it
    mtime_ns: int | None = None


class State:
    """Open (or create) ``<out>/.texpack/state.sqlite``."""

    def __init__(self, out: Path) -> None:
        folder = Path(out) / STATE_DIR
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "state.sqlite"
        self.db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.db.commit()

    def close(self) -> None:
        self.db.close()

    def source(self, path: str, size: int, mtime_ns: int) -> SourceInfo | None:
        row = self.db.execute(
            "SELECT content, width, height FROM sources WHERE path=? AND size=? AND mtime_ns=?", (path, size, mtime_ns)
        ).fetchone()
        return SourceInfo(*row) if row else None

    def put_source(self, path: str, size: int, mtime_ns: int, info: SourceInfo) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO sources VALUES (?,?,?,?,?,?)", (path, size, mtime_ns, info.content, info.width, info.height)
        )
        self.db.commit()

    def output(self, rel: str) -> OutputRow | None:
        row = self.db.execute("SELECT rel, job, dump, alias_of, root, size, mtime_ns FROM outputs WHERE rel=?", (rel,)).fetchone()
        return OutputRow(*row) if row else None

    def outputs(self) -> list[OutputRow]:
        return [OutputRow(*r) for r in self.db.execute("SELECT rel, job, dump, alias_of, root, size, mtime_ns FROM outputs ORDER BY rel")]

    def put_output(self, row: OutputRow) -> None:
        self.db.execute("INSERT OR REPLACE INTO outputs VALUES (?,?,?,?,?,?,?)",
            (row.rel, row.job, row.dump, row.alias_of, row.root, row.size, row.mtime_ns),)
        self.db.commit()

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", (key, value))
        self.db.commit()

    def delete_output(self, rel: str) -> None:
        self.db.execute("DELETE FROM outputs WHERE rel=?", (rel,))
        self.db.commit()
