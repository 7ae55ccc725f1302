"""One error hierarchy for the whole library; the CLI turns these into one-line messages."""

from __future__ import annotations


class TexpackError(Exception):
    """Base of every error texpack raises on purpose."""


class DumpNameError(TexpackError, ValueError):
    """A file name that does not follow the emulator's grammar.

    ``suggestion`` holds a corrected name when one can be offered (for example a
    zero-padded DuckStation ``vram-write`` name); several are joined by `` or ``.
    """

    def __init__(self, name: str, reason: str, suggestions: tuple[str, ...] = ()) -> None:
        self.name = name
        self.reason = reason
        self.suggestions = suggestions
        msg = f"{name!r}: {reason}"
        if suggestions:
            msg += "; rename to " + " or ".join(repr(s) for s in suggestions)
        super().__init__(msg)


class ImageError(TexpackError):
    """A dump file that cannot be decoded into an RGBA image."""


class ProfileError(TexpackError):
    """A profile with one or more problems; ``problems`` lists every one of them."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


class LayoutError(TexpackError):
    """A dump folder whose emulator or game cannot be told from its layout."""


class ModelError(TexpackError):
    """A model file that cannot be loaded, recognised or verified."""


class EngineError(TexpackError):
    """The upscaling engine failed on a texture."""


class PackError(TexpackError):
    """Writing the pack failed (disk full, read-only, a path outside the pack)."""
