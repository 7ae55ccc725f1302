"""Describe a built pack as {path: [width, height, alpha class]} for golden comparisons."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from texpack.imageio import load_rgba


def alpha_class(a: np.ndarray) -> str:
    levels = set(np.unique(a).tolist())
    if levels == {255}:
        return "opaque"
    if levels <= {0, 255}:
        return "binary"
    if levels <= {0, 0x8F, 255}:
        return "ternary"
    return "graded"


def describe(out: Path) -> dict[str, list]:
    tree = {}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out).as_posix()
        if not p.is_file() or rel.startswith(".texpack/") or rel == "texpack-report.json":
            continue
        if p.suffix == ".png":
            px = load_rgba(p)
            tree[rel] = [px.shape[1], px.shape[0], alpha_class(px[..., 3])]
        else:
            tree[rel] = ["file"]
    return tree
