"""Scanning a game's dump folder into parsed items and named problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from texpack.emulators import DumpRoot, TextureName, duckstation, get_emulator
from texpack.emulators.n64names import N64Name
from texpack.errors import DumpNameError


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
    rel: str
    reason: str
    suggestions: tuple[str, ...] = ()

    def line(self) -> str:
        s = f"{self.rel}: {self.reason}"
        if self.suggestions:
            s += "; rename to " + " or ".join(self.suggestions)
        return s


@dataclass(slots=True)
class ScanResult:
    root: DumpRoot
    items: list[DumpItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def group_label(key: TextureName) -> str:
    """Format (N64) or mode (PS1) of a texture, for reports."""
    return key.label if isinstance(key, N64Name) else key.mode


def parse_file(root: DumpRoot, path: Path) -> DumpItem | Problem:
    rel = path.relative_to(root.path).as_posix()
    try:
        key = get_emulator(root.emulator).parse(path.name, root.game)
    except DumpNameError as e:
        suggestions = e.suggestions
        if len(suggestions) > 1 and root.emulator == duckstation.ID:
            # An old vram-write name can split several ways; the pixels can say which.
            suggestions = duckstation.verified_candidates(path, suggestions)
        return Problem(rel, e.reason, tuple(s + path.suffix for s in suggestions))
    return DumpItem(path, rel, key)


def scan(root: DumpRoot, paths: list[Path] | None = None) -> ScanResult:
    """Parse every file of ``root`` (or just ``paths``); pair Rice ``_rgb``/``_a`` halves."""
    emu = get_emulator(root.emulator)
    res = ScanResult(root)
    alphas: dict[tuple[str, str], DumpItem] = {}
    rgbs: list[DumpItem] = []
    for path in paths if paths is not None else emu.list_files(root.path):
        got = parse_file(root, path)
        if isinstance(got, Problem):
            res.problems.append(got)
        elif isinstance(got.key, N64Name) and got.key.suffix == "a":
            alphas[(str(path.parent), got.key.stem)] = got
        elif isinstance(got.key, N64Name) and got.key.suffix == "rgb":
            rgbs.append(got)
        else:
            res.items.append(got)
    for it in rgbs:
        a = alphas.pop((str(it.path.parent), it.key.stem), None)  # type: ignore[union-attr]
        res.items.append(DumpItem(it.path, it.rel, it.key, a.path if a else None))
    for a in alphas.values():
        res.problems.append(Problem(a.rel, "alpha half (_a) without its _rgb texture"))
    res.items.sort(key=lambda i: i.rel)
    res.problems.sort(key=lambda p: p.rel)
    return res
