"""Where the shipped profiles and models live: the source tree, or the installed package data."""

from __future__ import annotations

import os
from pathlib import Path

from texpack import platform_dirs

_ROOT = Path(__file__).resolve().parent.parent


def data_dir(kind: str) -> Path:
    """``profiles`` or ``models``: the folder shipped with texpack."""
    if kind not in ("profiles", "models"):
        raise ValueError(kind)
    src = _ROOT / kind
    if src.is_dir() and (_ROOT / "pyproject.toml").is_file():
        return src  # a source checkout or an editable install
    return Path(__file__).resolve().parent / "data" / kind  # installed: package data


def user_models_dir() -> Path:
    """The user's model folder: ``$TEXPACK_MODELS``, else ``$XDG_DATA_HOME/texpack/models``."""
    env = os.environ.get("TEXPACK_MODELS")
    if env:
        return Path(env)
    if platform_dirs.windows() and not os.environ.get("XDG_DATA_HOME"):
        return platform_dirs.local_appdata() / "texpack" / "models"
    return platform_dirs.data_home() / "texpack" / "models"
