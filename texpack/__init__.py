"""texpack: N64 and PS1 emulator texture dumps to hi-res texture packs."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
