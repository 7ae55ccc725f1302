"""Outcomes of a build, one per dump file, and their text and JSON forms."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from texpack.imageio import write_atomic

# built: upscaled now; copied: same pixels as another output, copied without network work;
# aliased: listed under Aliases: in config.yaml; up-to-date: unchanged since the last build;
# kept: a pack file a modder made or edited is there and was left alone.
STATUSES = ("built", "copied", "aliased", "up-to-date", "kept", "skipped", "failed", "removed")


@dataclass(frozen=True, slots=True)
class Outcome:
    dump: str
    status: str
    output: str = ""
    reason: str = ""

    def line(self) -> str:
        s = f"{self.status}: {self.dump}"
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
    extra_files: list[str] = field(default_factory=list)  # distributable zip, GLideN64 .hts

    def counts(self) -> Counter[str]:
        return Counter(o.status for o in self.outcomes)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.aborted

    def summary(self) -> str:
        c = self.counts()
        parts = [f"{c[s]} {s}" for s in STATUSES if c[s]]
        head = f"{self.target} pack for {self.game!r}: " + (", ".join(parts) or "nothing to do")
        return head + (f"; stopped: {self.aborted}" if self.aborted else "")

    def to_json(self) -> dict:
        d = asdict(self)
        d["counts"] = dict(self.counts())
        return d


def write_reports(reports: list[Report], path: Path) -> None:
    data = {"reports": [r.to_json() for r in reports]}
    write_atomic(path, (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode())
