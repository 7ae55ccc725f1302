"""Outcomes of a build, one per dump file, and their text and JSON forms."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from texpack.atomic import write_atomic

# The build report, in the output folder: written by texpack/build.py, read by the review page.
REPORT_NAME = "texpack-report.json"


class Status(str, Enum):
    """What happened to one dump."""

    BUILT = "built"  # upscaled now
    COPIED = "copied"  # same pixels as another output; copied without network work
    ALIASED = "aliased"  # listed under Aliases: in DuckStation's config.yaml
    UP_TO_DATE = "up-to-date"  # unchanged since the last build
    KEPT = "kept"  # a pack file a modder made or edited is there and was left alone
    SKIPPED = "skipped"  # left out on purpose (profile rule, a name the loader never reads)
    FAILED = "failed"
    REMOVED = "removed"  # its dump is gone or now skipped: its pack file was deleted

    @property
    def produced(self) -> bool:
        """A pack file was made or re-pointed now."""
        return self in (Status.BUILT, Status.COPIED, Status.ALIASED)


@dataclass(frozen=True, slots=True)
class Outcome:
    dump: str
    status: Status
    output: str = ""
    reason: str = ""

    def line(self) -> str:
        s = f"{self.status.value}: {self.dump}"
        return f"{s} ({self.reason})" if self.reason else s


@dataclass(slots=True)
class Report:
    emulator: str
    target: str
    game: str
    out: str
    scale: int
    outcomes: list[Outcome] = field(default_factory=list)
    aborted: str = ""
    fatal: bool = False  # the pack could not be written any more (disk full, read-only)
    extra_files: list[str] = field(default_factory=list)  # distributable zip, GLideN64 caches
    notes: list[str] = field(default_factory=list)  # what the user must know (settings to turn on)
    models: list[dict[str, Any]] = field(default_factory=list)  # networks used, with their licences (GameSession.model_credits)

    def counts(self) -> Counter[Status]:
        return Counter(o.status for o in self.outcomes)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status is Status.FAILED]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.aborted

    def summary(self) -> str:
        c = self.counts()
        parts = [f"{c[s]} {s.value}" for s in Status if c[s]]
        head = f"{self.target} pack for {self.game!r}: " + (", ".join(parts) or "nothing to do")
        return head + (f"; stopped: {self.aborted}" if self.aborted else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "emulator": self.emulator,
            "target": self.target,
            "game": self.game,
            "out": self.out,
            "scale": self.scale,
            "outcomes": [{"dump": o.dump, "status": o.status.value, "output": o.output, "reason": o.reason} for o in self.outcomes],
            "aborted": self.aborted,
            "fatal": self.fatal,
            "extra_files": self.extra_files,
            "notes": self.notes,
            "models": self.models,
            "counts": {s.value: n for s, n in self.counts().items()},
        }


def write_reports(reports: list[Report], path: Path) -> None:
    data = {"reports": [r.to_json() for r in reports]}
    # A name the OS gave with undecodable bytes (surrogate escapes) is written as a JSON
    # \udcXX escape, so the report stays valid UTF-8 JSON and still names the file.
    write_atomic(path, (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8", "backslashreplace"))
