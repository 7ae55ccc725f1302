"""The platform's per-user base folders, read one way for every program texpack looks for.

Linux follows the XDG base directory variables (each falling back to its documented default
under the home folder); Windows has the roaming and local application-data folders; macOS
keeps data under ``~/Library``. texpack/frontends.py, texpack/resources.py and the targets'
data folders (mupen64plus, DuckStation) build on these.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def windows() -> bool:
    return os.name == "nt"


def macos() -> bool:
    return sys.platform == "darwin"


def home() -> Path:
    return Path.home()


def xdg(var: str, fallback: str) -> Path:
    """``$var`` (XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME) or ``~/fallback``."""
    v = os.environ.get(var)
    return Path(v) if v else home() / fallback


def data_home() -> Path:
    return xdg("XDG_DATA_HOME", ".local/share")


def config_home() -> Path:
    return xdg("XDG_CONFIG_HOME", ".config")


def cache_home() -> Path:
    return xdg("XDG_CACHE_HOME", ".cache")


def appdata() -> Path:
    """Windows' roaming application data (%APPDATA%)."""
    return Path(os.environ.get("APPDATA") or home() / "AppData" / "Roaming")


def local_appdata() -> Path:
    """Windows' local application data (%LOCALAPPDATA%)."""
    return Path(os.environ.get("LOCALAPPDATA") or home() / "AppData" / "Local")


def mac_support() -> Path:
    return home() / "Library" / "Application Support"
