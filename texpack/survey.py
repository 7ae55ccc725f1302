"""`texpack scan`'s findings for one game: what the dump holds, what is wrong, what repeats."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from texpack.emulators import DumpRoot
from texpack.errors import TexpackError
from texpack.pipeline.sources import content_hash, decode_item
from texpack.scan import group_label, scan


@dataclass(slots=True)
class Survey:
    root: DumpRoot
    textures: int = 0
    groups: dict[tuple[str, str], int] = field(default_factory=dict)  # (format or mode, WxH) -> count
    unrecognized: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[list[str]] = field(default_factory=list)  # groups of files with identical pixels
    duplicate_pixels_saved: int = 0  # source pixels not upscaled thanks to deduplication

    def to_json(self) -> dict[str, Any]:
        return {
            "emulator": self.root.emulator,
            "game": self.root.game,
            "folder": str(self.root.path),
            "textures": self.textures,
            "groups": [{"format": f, "size": s, "count": n} for (f, s), n in sorted(self.groups.items())],
            "unrecognized": [{"file": f, "reason": r} for f, r in self.unrecognized],
            "unreadable": [{"file": f, "reason": r} for f, r in self.unreadable],
            "skipped": [{"file": f, "reason": r} for f, r in self.skipped],
            "duplicates": self.duplicates,
            "duplicate_pixels_saved": self.duplicate_pixels_saved,
        }


def survey(root: DumpRoot) -> Survey:
    found = scan(root)
    s = Survey(root, len(found.items))
    s.unrecognized = [(p.rel, p.message()) for p in found.problems]
    s.skipped = [(k.rel, k.reason) for k in found.skipped]
    groups: dict[tuple[str, str], int] = defaultdict(int)
    by_content: dict[str, list[str]] = defaultdict(list)
    pixels: dict[str, int] = {}
    for it in found.items:
        try:
            rgba = decode_item(it)
        except TexpackError as e:
            s.unreadable.append((it.rel, e.reason))
            continue
        groups[(group_label(it.key), f"{rgba.shape[1]}x{rgba.shape[0]}")] += 1
        h = content_hash(rgba)
        by_content[h].append(it.rel)
        pixels[h] = rgba.shape[0] * rgba.shape[1]
    s.groups = dict(groups)
    s.duplicates = [sorted(v) for v in by_content.values() if len(v) > 1]
    s.duplicate_pixels_saved = sum((len(v) - 1) * pixels[h] for h, v in by_content.items() if len(v) > 1)
    return s
