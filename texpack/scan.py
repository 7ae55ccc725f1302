"""Scanning a game's dump folder into parsed items, named problems and skipped entries."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from texpack.emulators import DumpRoot, TextureName, get_emulator
from texpack.errors import DumpNameError, rename_hint


@dataclass(frozen=True, slots=True)
class DumpItem:
    """One texture in a dump: its file, its parsed name, and for Rice ``_rgb`` its ``_a`` half."""

    path: Path
    rel: str
    key: TextureName
    alpha_path: Path | None = None

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True, slots=True)
class Problem:
    """A file whose name the emulator's grammar does not accept."""

    rel: str
    reason: str
    suggestions: tuple[str, ...] = ()

    def message(self) -> str:
        return self.reason + rename_hint(self.suggestions)


@dataclass(frozen=True, slots=True)
class Skipped:
    """An entry that is not a dump file at all (a FIFO, a device, a folder too deep)."""

    rel: str
    reason: str


@dataclass(slots=True)
class ScanResult:
    items: list[DumpItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def group_label(key: TextureName) -> str:
    """Format (N64) or mode (PS1) of a texture, for reports."""
    return key.facts().group


def _rel(root: DumpRoot, path: Path) -> str:
    try:
        return path.relative_to(root.path).as_posix()
    except ValueError:
        return path.name


def parse_file(root: DumpRoot, path: Path) -> DumpItem | Problem:
    rel = _rel(root, path)
    try:
        key = get_emulator(root.emulator).parse(path.name, root.game)
    except DumpNameError as e:
        suggestions = get_emulator(root.emulator).refine_suggestions(path, e.suggestions)
        return Problem(rel, e.reason, tuple(s + path.suffix for s in suggestions))
    return DumpItem(path, rel, key)


def _special(path: Path) -> str | None:
    """Why ``path`` is not a regular file (links are followed), or None."""
    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        return f"cannot read ({e.strerror or e})"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO, not an image file; skipped"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not an image file; skipped"
    if stat.S_ISDIR(mode):
        return "a link to a folder; not followed"
    return "not a regular file; skipped"


def with_partners(root: DumpRoot, paths: list[Path]) -> list[Path]:
    """``paths`` plus the other half of each two-file texture (Rice's ``_rgb``/``_a``) that exists beside it."""
    partner_name = get_emulator(root.emulator).partner_name
    out: list[Path] = []
    for p in paths:
        other = partner_name(p.name)
        partner = p.with_name(other) if other else None
        for q in (p, partner):
            if q is not None and q not in out and (q is p or q.exists()):
                out.append(q)
    return out


def scan(root: DumpRoot, paths: list[Path] | None = None) -> ScanResult:
    """Parse every file of ``root`` (or just ``paths``); pair two-file textures (Rice ``_rgb``/``_a``)."""
    res = ScanResult()
    if paths is None:
        listing = get_emulator(root.emulator).list_files(root.path)
        paths = listing.files
        res.skipped += [Skipped(_rel(root, d), "folder nested too deep; not read") for d in listing.too_deep]
    half_of = get_emulator(root.emulator).half_of
    alphas: dict[tuple[str, str], DumpItem] = {}
    rgbs: list[tuple[DumpItem, str]] = []
    for path in paths:
        why = _special(path)
        if why:
            res.skipped.append(Skipped(_rel(root, path), why))
            continue
        got = parse_file(root, path)
        if isinstance(got, Problem):
            res.problems.append(got)
            continue
        half = half_of(got.key)
        if half is None:
            res.items.append(got)
        elif half[0] == "a":
            alphas[(str(path.parent), half[1])] = got
        else:
            rgbs.append((got, half[1]))
    for it, texture in rgbs:
        a = alphas.pop((str(it.path.parent), texture), None)
        res.items.append(DumpItem(it.path, it.rel, it.key, a.path if a else None))
    for a in alphas.values():
        res.problems.append(Problem(a.rel, "alpha half (_a) without its _rgb texture"))
    res.items.sort(key=lambda i: i.rel)
    res.problems.sort(key=lambda p: p.rel)
    res.skipped.sort(key=lambda s: s.rel)
    return res
