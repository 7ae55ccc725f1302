"""What the review page lists: every dump of one game with its pack file, status and settings.

A row is built from the dump's parsed name, its size (from the build state's decode cache,
else the image header), the settings the profile gives it and which rule set each one,
and its status: from the last report, corrected by what is on disk now.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from texpack.emulators import DumpRoot, TextureName
from texpack.profile import RULE_SETTINGS, Profile
from texpack.report import REPORT_NAME
from texpack.safefs import read_own_bytes
from texpack.scan import DumpItem, scan
from texpack.state import FileSig, State
from texpack.targets import Target
from texpack.targets.checkutil import image_size


@dataclass(slots=True)
class Row:
    # The texture's stable key: its dump's path in the dump folder. The page keeps selections,
    # the open texture and thumbnails by it, so a dump that arrives (and sorts earlier) while
    # the page is open never shifts them onto another texture.
    id: str
    dump: str  # relative to the dump folder
    name: str
    output: str  # relative to the pack folder ("" when the target never writes one)
    group: str  # N64 format (RGBA16, CI8…) or PS1 mode (P4…, vram-write)
    type: str  # N64 suffix or PS1 name type
    width: int
    height: int
    hashes: list[str]
    fields: dict[str, Any]
    status: str  # built, up-to-date, copied, aliased, skipped, failed, kept, not built
    reason: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # setting -> rule that set it
    rules: list[str] = field(default_factory=list)
    changed: bool = False  # the pack file changed since the last look
    out_mtime: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def name_fields(key: TextureName) -> tuple[str, str, list[str], dict[str, Any]]:
    """(group, type, hashes, every field of the name) of a parsed dump name."""
    f = key.facts()
    return f.group, f.kind, list(f.hashes), dict(f.fields)


MAX_REPORT_BYTES = 256 << 20


def last_report(out: Path, game: str) -> dict[str, tuple[str, str]]:
    """dump -> (status, reason) from the pack's last build report.

    The report may be someone else's: read bounded, never through a link, and any part of
    it that is not the shape texpack writes is ignored (the page shows the rest as text)."""
    raw = read_own_bytes(Path(out) / REPORT_NAME, MAX_REPORT_BYTES)
    try:
        data = json.loads(raw) if raw is not None else None
    except (ValueError, RecursionError):
        return {}
    reports = data.get("reports") if isinstance(data, dict) else None
    for r in reports if isinstance(reports, list) else []:
        if isinstance(r, dict) and r.get("game") == game and isinstance(r.get("outcomes"), list):
            return {o["dump"]: (o["status"], str(o.get("reason", ""))) for o in r["outcomes"]
                    if isinstance(o, dict) and isinstance(o.get("dump"), str) and isinstance(o.get("status"), str)}
    return {}


def _size(item: DumpItem, state: State | None) -> tuple[int, int]:
    if state is not None and item.alpha_path is None:
        try:
            hit = state.source(str(item.path), FileSig.of(os.stat(item.path)))
        except OSError:
            hit = None
        if hit is not None:
            return hit.width, hit.height
    return image_size(item.path) or (0, 0)


def build_rows(root: DumpRoot, out: Path, target: Target, profile: Profile, state: State | None, since: float = 0.0) -> list[Row]:
    found = scan(root)
    report = last_report(out, root.game)
    rows = []
    game_rel = target.game_rel(root.game)
    for item in found.items:
        w, h = _size(item, state)
        group, typ, hashes, fields = name_fields(item.key)
        try:
            output = f"{game_rel}/{target.output_name(item.key, item.name)}"
        except Exception:  # noqa: BLE001 - a name the target cannot write shows without an output
            output = ""
        s = profile.settings_for(item.name, item.key, w, h)
        status, reason = report.get(item.rel, ("not built", ""))
        path = Path(out) / output if output else None
        mtime = path.stat().st_mtime if path is not None and path.is_file() else 0.0
        if mtime and status == "not built":
            status = "built"
        if not mtime and status in ("built", "up-to-date", "copied"):
            status, reason = "not built", "its pack file is gone"
        rows.append(Row(
            item.rel, item.rel, item.name, output, group, typ, w, h, hashes, fields, status, reason,
            {k: getattr(getattr(s, k), "value", getattr(s, k)) for k in RULE_SETTINGS},  # enums as their names
            profile.explain(item.name, item.key, w, h), list(s.rules), bool(mtime and mtime > since), mtime,
        ))
    for p in found.problems:
        rows.append(Row(p.rel, p.rel, Path(p.rel).name, "", "?", "?", 0, 0, [], {}, "failed", p.message()))
    return rows


SORTS: dict[str, Callable[[Row], Any]] = {
    "name": lambda r: r.name.lower(),
    "size": lambda r: (r.width * r.height, r.name),
    "status": lambda r: (r.status, r.name),
    "group": lambda r: (r.group, r.name),
    "changed": lambda r: (-r.out_mtime, r.name),
}


def select(rows: list[Row], q: str = "", group: str = "", status: str = "", rule: str = "", changed: bool = False,
           min_side: int = 0, max_side: int = 0, sort: str = "name", desc: bool = False) -> list[Row]:
    """The rows matching every given filter (``q`` in the name or a hash), sorted by ``sort``."""
    needle = q.strip().lower()
    out = []
    for r in rows:
        if needle and needle not in r.name.lower() and not any(needle in h.lower() for h in r.hashes):
            continue
        if group and r.group != group or status and r.status != status or changed and not r.changed:
            continue
        if rule and rule not in r.rules:
            continue
        side = max(r.width, r.height)
        if min_side and side < min_side or max_side and side > max_side:
            continue
        out.append(r)
    out.sort(key=SORTS.get(sort, SORTS["name"]), reverse=desc)
    return out


def facets_of(rows: list[Row]) -> dict[str, list[str]]:
    """The values the page's filters offer: every group, status and rule label among ``rows``."""
    return {
        "group": sorted({r.group for r in rows}),
        "status": sorted({r.status for r in rows}),
        "rule": sorted({x for r in rows for x in r.rules}),
    }
