"""Where emulators load hi-res textures from: the folder that holds ``hires_texture/`` or
``textures/`` for live output and for ``texpack install``."""

from __future__ import annotations

from pathlib import Path

from texpack.emulators import DumpRoot
from texpack.targets import Target


def output_root(root: DumpRoot, target: Target, into: Path | None) -> tuple[Path, str]:
    """The folder that holds the target's load folder, and why it was chosen.

    ``into`` may name that folder or the ``hires_texture``/``textures`` folder inside it.
    """
    if into is not None:
        into = Path(into)
        if into.name == target.load_root:
            return into.parent, f"--into {into}"
        return into, f"--into {into}"
    return target.default_load_dir(root)
