"""Listing the files under a folder without recursion and without following folder links.

Dump and pack trees come from other programs and users: a folder tree 1,500 levels deep
overflows a recursive walk, and a link to a parent folder loops forever. This walk is a
loop over a stack; it skips hidden entries (names starting with '.', which the emulators
skip too) and reports folders deeper than ``max_depth`` instead of entering them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

MAX_DEPTH = 32


@dataclass(slots=True)
class Listing:
    files: list[Path] = field(default_factory=list)
    too_deep: list[Path] = field(default_factory=list)


def list_files(root: Path, max_depth: int = MAX_DEPTH, hidden: bool = False) -> Listing:
    """Every entry under ``root`` that is not a folder (regular files, links to files,
    FIFOs...), sorted; folder links are not followed."""
    out = Listing()
    stack: list[tuple[Path, int]] = [(Path(root), 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for e in entries:
            if not hidden and e.name.startswith("."):
                continue
            try:
                is_dir = e.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if depth + 1 > max_depth:
                    out.too_deep.append(Path(e.path))
                else:
                    stack.append((Path(e.path), depth + 1))
            else:
                out.files.append(Path(e.path))
    out.files.sort()
    out.too_deep.sort()
    return out
